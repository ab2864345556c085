// The JSON API the sign-in page drives an OpenID Connect authorization request with, under
// /api/oidc, behind the wallet-login session layer:
//
//   GET    /interaction/:uid          what the request is: the client, the step, the scopes
//   POST   /interaction/:uid/login    completes the login step with this browser's signed-in session
//   POST   /interaction/:uid/consent  { allow }: Allow (remembered) or Deny (access_denied)
//   GET    /grants                    the signed-in address's remembered Allows
//   DELETE /grants/:clientId          forgets one, and revokes that client's tokens
//
// The provider sends the browser to `/?interaction=<uid>` with its interaction cookie; these
// routes read that cookie (oidc-provider's interactionDetails) and refuse a uid it does not name.
// Both POSTs answer `{ redirectTo }`: the page navigates there and the provider carries on.

import Router from 'koa-router';
import type { Context, ParameterizedContext } from 'koa';
import { consentRequest } from '@wallet-login/contract';
import { ApiError } from '../errors';
import { parseBody } from '../middleware/body';
import type { SessionState } from '../middleware/session';
import { addressOf, amrOf, subjectOf } from './account';
import { APPROVAL_MODEL, APPROVAL_TTL_MS, approvalId, type Oidc } from './provider';

type InteractionDetails = Awaited<ReturnType<Awaited<ReturnType<Oidc['provider']>>['interactionDetails']>>;

/** Scopes never remembered: offline_access is asked for with prompt=consent every time (OpenID Connect Core §11). */
const UNREMEMBERED_SCOPES = new Set(['offline_access']);

export function oidcRoutes(oidc: Oidc): Router<SessionState> {
  const router = new Router<SessionState>({ sensitive: true });
  const { stores, chainId } = oidc;

  /** The interaction this browser's cookie names, if it is `uid`; else 404. */
  const interactionOf = async (ctx: Context, uid: string): Promise<InteractionDetails> => {
    const provider = await oidc.provider();
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (error) {
      // SessionNotFound: no interaction cookie, or its interaction expired or was completed.
      if ((error as { name?: unknown }).name === 'SessionNotFound') throw notFound();
      throw error;
    }
    if (details.uid !== uid) throw notFound();
    return details;
  };

  const describe = async (ctx: ParameterizedContext<SessionState>, details: InteractionDetails) => {
    const provider = await oidc.provider();
    const clientId = String(details.params.client_id);
    const client = await provider.Client.find(clientId);
    if (client === undefined) throw notFound();
    const redirectUri = String(details.params.redirect_uri);
    const signedIn = ctx.state.session.signedIn();
    const promptName = details.prompt.name === 'consent' ? 'consent' : 'login';
    const promptDetails = details.prompt.details as { missingOIDCScope?: unknown };
    return {
      uid: details.uid,
      prompt: promptName,
      client: { clientId, name: client.clientName ?? clientId, redirectUri, redirectHost: hostOf(redirectUri) },
      scopes: String(details.params.scope ?? '').split(' ').filter(Boolean),
      missingScopes: Array.isArray(promptDetails.missingOIDCScope) ? promptDetails.missingOIDCScope.map(String) : [],
      signatureRequired: promptName === 'login' && (signedIn === undefined || freshnessProblem(details, signedIn.createdAt, oidc.clock.now()) !== undefined),
      signedIn: signedIn === undefined ? null : { address: signedIn.address },
      expiresAt: details.exp * 1000,
    } as const;
  };

  router.get('/interaction/:uid', async (ctx) => {
    ctx.body = await describe(ctx, await interactionOf(ctx, ctx.params.uid ?? ''));
  });

  router.post('/interaction/:uid/login', async (ctx) => {
    const details = await interactionOf(ctx, ctx.params.uid ?? '');
    if (details.prompt.name !== 'login') throw new ApiError('invalid_request', 'This sign-in request is not at its login step.');
    const session = ctx.state.session;
    const signedIn = session.signedIn();
    if (signedIn === undefined || session.storeKey === undefined) throw new ApiError('unauthenticated', 'Not signed in.');
    const problem = freshnessProblem(details, signedIn.createdAt, oidc.clock.now());
    if (problem !== undefined) throw new ApiError('reauthentication_required', problem);
    const provider = await oidc.provider();
    const redirectTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      {
        login: { accountId: subjectOf(chainId, signedIn.address), ts: Math.floor(signedIn.createdAt / 1000), amr: amrOf(signedIn.method), remember: true },
        // For the provider's resume hook: which wallet-login session this login came from.
        walletSession: session.storeKey,
      },
      { mergeWithLastSubmission: false },
    );
    oidc.audit(ctx, 'oidc_login', 'ok', signedIn.address);
    ctx.body = { redirectTo };
  });

  router.post('/interaction/:uid/consent', async (ctx) => {
    const { allow } = parseBody(consentRequest, ctx.request.body);
    const details = await interactionOf(ctx, ctx.params.uid ?? '');
    if (details.prompt.name !== 'consent') throw new ApiError('invalid_request', 'This sign-in request is not at its consent step.');
    const signedIn = ctx.state.session.signedIn();
    const accountId = details.session?.accountId;
    // The consent is the signed-in account's own, for the account the request signed in.
    if (signedIn === undefined || accountId === undefined || subjectOf(chainId, signedIn.address) !== accountId) {
      throw new ApiError('unauthenticated', 'Not signed in as the account of this sign-in request.');
    }
    const provider = await oidc.provider();
    const clientId = String(details.params.client_id);
    let result: Parameters<typeof provider.interactionResult>[2];
    if (!allow) {
      // RFC 6749 §4.1.2.1: the relying party hears access_denied; nothing is remembered.
      result = { error: 'access_denied', error_description: 'The user denied the request.' };
    } else {
      const grant = details.grantId !== undefined ? await provider.Grant.find(details.grantId) : undefined;
      const granted = grant ?? new provider.Grant({ accountId, clientId });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope?.length) granted.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims?.length) granted.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await granted.save();
      const remembered = granted.getOIDCScope().split(' ').filter((scope) => scope !== '' && !UNREMEMBERED_SCOPES.has(scope));
      await stores.oidc.upsert(APPROVAL_MODEL, approvalId(accountId, clientId), { accountId, clientId, scope: remembered.join(' '), approvedAt: oidc.clock.now() }, APPROVAL_TTL_MS);
      result = { consent: { grantId } };
    }
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    oidc.audit(ctx, 'oidc_consent', allow ? 'ok' : 'access_denied', signedIn.address);
    ctx.body = { redirectTo };
  });

  router.get('/grants', async (ctx) => {
    const accountId = requireAccount(ctx);
    const provider = await oidc.provider();
    const approvals = await stores.oidc.listByAccount(APPROVAL_MODEL, accountId);
    const grants = await Promise.all(
      approvals.map(async ({ payload }) => {
        const clientId = String(payload.clientId);
        const client = await provider.Client.find(clientId);
        return {
          clientId,
          name: client?.clientName ?? clientId,
          scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
          approvedAt: typeof payload.approvedAt === 'number' ? payload.approvedAt : 0,
        };
      }),
    );
    ctx.body = { grants: grants.sort((a, b) => b.approvedAt - a.approvedAt) };
  });

  router.delete('/grants/:clientId', async (ctx) => {
    const accountId = requireAccount(ctx);
    const clientId = ctx.params.clientId ?? '';
    const id = approvalId(accountId, clientId);
    const approval = await stores.oidc.find(APPROVAL_MODEL, id);
    const grants = (await stores.oidc.listByAccount('Grant', accountId)).filter(({ payload }) => payload.clientId === clientId);
    if (approval === undefined && grants.length === 0) throw new ApiError('not_found', 'No remembered approval of that application.');
    await stores.oidc.destroy(APPROVAL_MODEL, id);
    // Its tokens go with it: the next sign-in there asks again.
    for (const grant of grants) await oidc.revokeGrant(grant.id);
    oidc.audit(ctx, 'revoke', 'ok', addressOf(chainId, accountId));
    ctx.status = 204;
  });

  const requireAccount = (ctx: ParameterizedContext<SessionState>): string => {
    const address = ctx.state.session.address;
    if (address === undefined) throw new ApiError('unauthenticated', 'Not signed in.');
    return subjectOf(chainId, address);
  };

  return router;
}

/**
 * Why the wallet-login session signed in at `signedInAt` (ms) cannot answer this login step, or
 * undefined when it can: prompt=login wants a sign-in after the request was made, max_age one
 * at most that old (OpenID Connect Core §3.1.2.1). Compared with the provider's own times, which
 * it takes from the wall clock, as the session layer's clock is in production.
 */
export function freshnessProblem(details: InteractionDetails, signedInAt: number, now: number): string | undefined {
  const reasons = new Set(details.prompt.reasons);
  if (reasons.has('login_prompt') && signedInAt < details.iat * 1000) {
    return 'The application asks for a fresh signature: sign in again.';
  }
  // The parameter as sent: a string of digits.
  const given = (details.prompt.details as { max_age?: unknown }).max_age;
  const maxAge = typeof given === 'number' ? given : typeof given === 'string' && /^\d{1,10}$/.test(given) ? Number(given) : undefined;
  if (maxAge !== undefined && now - signedInAt > maxAge * 1000) {
    return `The application asks for a sign-in at most ${maxAge} s old: sign in again.`;
  }
  return undefined;
}

function hostOf(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host || url.protocol;
  } catch {
    return uri;
  }
}

function notFound(): ApiError {
  return new ApiError('not_found', 'No such sign-in request in this browser; it may have expired or been completed.');
}
