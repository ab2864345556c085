// The OpenID Connect provider: oidc-provider (OpenID Certified, Koa-native), configured for this
// server and mounted under /oidc, with the issuer `<PUBLIC_ORIGIN>/oidc`.
//
// - Authorization code flow only; PKCE S256 required of public clients and accepted from
//   confidential ones (RFC 7636, OAuth 2.0 Security BCP §2.1.1); redirect URIs matched exactly.
// - Clients authenticate with client_secret_basic or client_secret_post; secrets are kept hashed.
// - ID tokens ES256 (RS256 for the clients that ask), with the keys of keys.ts.
// - `sub` is `eip155:<CHAIN_ID>:<address>`; `profile` adds preferred_username; auth_time and amr.
// - offline_access gives refresh tokens, rotated on every use, only with prompt=consent (OpenID
//   Connect Core §11: oidc-provider drops the scope otherwise).
// - The wallet-login session layer runs inside the provider's Koa app too: a provider session
//   lasts only while this browser's wallet-login session of the same account does (a login
//   check of the interaction policy), and a confirmed end-session ends the wallet-login session.
//   A sign-out on wallet-login (any instance: the session events) ends the provider sessions
//   signed in through it and revokes their grants; signing out everywhere does so for the address.
// - oidc-provider reads the wall clock itself (no clock can be injected); expiry of its records in
//   the store follows the injected clock (adapter.ts).
//
// oidc-provider is ESM-only: it is loaded with import() (kept as a real import() by the
// CommonJS build), once, on the first request that needs it.

import type Koa from 'koa';
import type { Logger } from 'pino';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type * as OidcProviderModule from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { AppConfig } from '../app';
import type { SessionEvents } from '../events/types';
import { createSessionLayer, type SessionLayerOptions, type SessionState } from '../middleware/session';
import type { AuditAction, Clock, SigningKey, Stores } from '../stores/types';
import { addressOf, subjectOf } from './account';
import { createOidcAdapter, revokeGrant as revokeStoredGrant } from './adapter';
import { verifyClientSecret } from './clients';
import { loadSigningKeys, publishedSigningKeys } from './keys';
import { PAGE_STYLE_SOURCE, renderErrorPage, renderLogoutPage, renderSignedOutPage } from './pages';

export type OidcProvider = OidcProviderModule.default;
type OidcModule = typeof OidcProviderModule;

/** Where the provider is mounted; the issuer is the public origin with this path. */
export const OIDC_PATH = '/oidc';

/** Lifetimes, seconds. */
export const OIDC_TTL = {
  AuthorizationCode: 60,
  AccessToken: 3600,
  IdToken: 3600,
  RefreshToken: 14 * 86_400,
  Grant: 14 * 86_400,
  /** Time to sign in and consent. */
  Interaction: 600,
} as const;
/** A remembered Allow (consent) lasts this long unless revoked. */
export const APPROVAL_TTL_MS = 365 * 86_400_000;
/** How often the signing keys are re-read, so a rotation reaches every instance. */
export const KEY_REFRESH_MS = 60_000;
/** An old key stays published while an ID token it signed may be live (and instances still on it). */
export const KEY_RETENTION_MS = (OIDC_TTL.IdToken + 60) * 1000 + KEY_REFRESH_MS;

/** The store models of this module's own (beside oidc-provider's). */
export const APPROVAL_MODEL = 'Approval';
const WALLET_SESSION_MODEL = 'WalletSession';

/** The provider's routes (relative to OIDC_PATH) that authenticate clients: rate limited and audited. */
const CLIENT_AUTH_ROUTES: Record<string, AuditAction> = {
  '/token': 'oidc_token',
  '/token/introspection': 'oidc_introspection',
  '/token/revocation': 'oidc_revocation',
};
const USER_AGENT_MAX = 256;

let loading: Promise<OidcModule> | undefined;
/** oidc-provider, loaded once per process. */
export function loadOidcModule(): Promise<OidcModule> {
  loading ??= import('oidc-provider');
  return loading;
}

export interface OidcOptions {
  config: Pick<AppConfig, 'publicOrigin' | 'chainId' | 'sessionKeys' | 'trustProxy' | 'sessionAbsoluteMs' | 'instanceId' | 'rateLimitIpPerMinute'>;
  stores: Stores;
  clock: Clock;
  logger: Logger;
  events: SessionEvents;
  /** The wallet-login session layer's options, for the copy that runs inside the provider's app. */
  session: SessionLayerOptions;
}

/** What the interaction routes and the challenge need of the provider. */
export interface Oidc {
  /** The current provider (built on first use, rebuilt when the published keys change). */
  provider(): Promise<OidcProvider>;
  /** Koa middleware answering everything under OIDC_PATH; other paths pass through. */
  middleware: Koa.Middleware;
  chainId: number;
  stores: Stores;
  clock: Clock;
  /** Appends to the audit log without holding up the answer. */
  audit(ctx: Koa.Context, action: AuditAction, outcome: string, address?: string): void;
  /**
   * The EIP-4361 `Resources` a challenge issued for interaction `uid` lists: the redirect URI of
   * its authorization request, so the wallet shows where the sign-in goes. Empty for an unknown
   * or expired interaction.
   */
  resourcesFor(uid: string): Promise<string[]>;
  /** Deletes grant `grantId` and everything issued under it (codes, access and refresh tokens). */
  revokeGrant(grantId: string): Promise<void>;
  /** Stops listening to the session events. */
  close(): void;
}

export function createOidc(options: OidcOptions): Oidc {
  const { config, stores, clock, logger, events } = options;
  const issuer = `${config.publicOrigin}${OIDC_PATH}`;
  const limiter = stores.createRateLimiter({ keyPrefix: 'oidc-ip', points: config.rateLimitIpPerMinute, duration: 60 });

  const audit = (ctx: Koa.Context | KoaContextWithOIDC, action: AuditAction, outcome: string, address?: string): void => {
    const userAgent = ctx.get('User-Agent').slice(0, USER_AGENT_MAX);
    stores.audit
      .append({
        at: clock.now(), action, outcome, ip: ctx.ip || 'unknown', instance: config.instanceId,
        ...(address !== undefined ? { address } : {}),
        ...(userAgent ? { userAgent } : {}),
      })
      .catch((err: unknown) => logger.warn({ err, action }, 'audit append failed'));
  };

  let current: { provider: OidcProvider; callback: ReturnType<OidcProvider['callback']>; kids: string; checkedAt: number } | undefined;
  let building: Promise<OidcProvider> | undefined;

  const refresh = async (): Promise<OidcProvider> => {
    const now = clock.now();
    try {
      const oidcModule = await loadOidcModule();
      const keys = publishedSigningKeys(await loadSigningKeys(stores.signingKeys, clock), now, KEY_RETENTION_MS);
      const kids = keys.map((key) => key.kid).join(' ');
      if (current !== undefined && current.kids === kids) {
        current.checkedAt = now;
        return current.provider;
      }
      const provider = buildProvider(oidcModule, keys);
      current = { provider, callback: provider.callback(), kids, checkedAt: now };
      return provider;
    } catch (error) {
      // A store that fails at a refresh leaves the provider as it was; at the first build it is a 503.
      if (current === undefined) throw error;
      logger.warn({ err: error }, 'signing keys could not be re-read; keeping the current ones');
      current.checkedAt = now;
      return current.provider;
    }
  };
  const provider = (): Promise<OidcProvider> => {
    const now = clock.now();
    if (current !== undefined && now >= current.checkedAt && now - current.checkedAt < KEY_REFRESH_MS) return Promise.resolve(current.provider);
    building ??= refresh().finally(() => {
      building = undefined;
    });
    return building;
  };

  function buildProvider(oidcModule: OidcModule, keys: SigningKey[]): OidcProvider {
    const { default: Provider, errors, interactionPolicy } = oidcModule;
    const policy = interactionPolicy.base();
    // A provider session stands only while this browser's wallet-login session is signed in
    // as the same account: signing out of wallet-login signs out of the provider too, and
    // prompt=none then answers login_required.
    policy.get('login')!.checks.add(
      new interactionPolicy.Check('wallet_session', 'the wallet-login session of this account has ended', 'login_required', (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        if (accountId === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const signedIn = (ctx.state as Partial<SessionState>).session?.signedIn();
        return signedIn === undefined || subjectOf(config.chainId, signedIn.address) !== accountId;
      }),
    );

    const configuration: Configuration = {
      adapter: createOidcAdapter({ stores, clock, errors }) as unknown as Configuration['adapter'],
      clients: [],
      findAccount: async (_ctx, sub) => {
        const address = addressOf(config.chainId, sub);
        // A removed user's codes and refresh tokens are refused from then on.
        if (address === undefined || !(await stores.users.has(address))) return undefined;
        return { accountId: sub, claims: () => ({ sub, preferred_username: address }) };
      },
      // amr with openid: how the account proved itself is in every ID token.
      claims: { openid: ['sub', 'amr'], profile: ['preferred_username'], acr: null, auth_time: null, sid: null },
      // ID tokens carry the claims of the scopes granted (many relying parties read only them).
      conformIdTokenClaims: false,
      scopes: ['openid', 'offline_access', 'profile'],
      responseTypes: ['code'],
      subjectTypes: ['public'],
      pkce: { methods: ['S256'], required: (_ctx, client) => client.clientAuthMethod === 'none' },
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      enabledJWA: {
        idTokenSigningAlgValues: ['ES256', 'RS256'],
        userinfoSigningAlgValues: ['ES256', 'RS256'],
        introspectionSigningAlgValues: ['ES256', 'RS256'],
        authorizationSigningAlgValues: ['ES256', 'RS256'],
        requestObjectSigningAlgValues: ['ES256', 'RS256'],
      },
      clientDefaults: { id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'] },
      // OAuth 2.0 Security BCP §4.1.3: the redirect URI is always named, and matched exactly.
      allowOmittingSingleRegisteredRedirectUri: false,
      rotateRefreshToken: true,
      ttl: { ...OIDC_TTL, Session: Math.floor(config.sessionAbsoluteMs / 1000) },
      jwks: { keys: keys.map((key) => key.jwk) as NonNullable<Configuration['jwks']>['keys'] },
      cookies: {
        keys: config.sessionKeys,
        names: { session: 'oidc.session', interaction: 'oidc.interaction', resume: 'oidc.resume' },
        // Secure is set by oidc-provider whenever the request is over TLS (ctx.secure).
        long: { signed: true, httpOnly: true, sameSite: 'lax' },
        short: { signed: true, httpOnly: true, sameSite: 'lax' },
      },
      interactions: {
        policy,
        // The sign-in page, told which authorization request it serves.
        url: (_ctx, interaction) => `${config.publicOrigin}/?interaction=${encodeURIComponent(interaction.uid)}`,
      },
      loadExistingGrant: async (ctx) => {
        const { Grant } = ctx.oidc.provider;
        const clientId = ctx.oidc.client!.clientId;
        const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(clientId);
        if (grantId) {
          const grant = await Grant.find(grantId);
          if (grant !== undefined) return grant;
        }
        // An Allow remembered for this client and account: a new grant of what it approved.
        const accountId = ctx.oidc.session!.accountId;
        if (accountId === undefined) return undefined;
        const approval = await stores.oidc.find(APPROVAL_MODEL, approvalId(accountId, clientId));
        if (typeof approval?.scope !== 'string') return undefined;
        const grant = new Grant({ accountId, clientId });
        grant.addOIDCScope(approval.scope);
        await grant.save();
        return grant;
      },
      features: {
        devInteractions: { enabled: false },
        introspection: {
          enabled: true,
          // Only a client that authenticated with its secret, about its own tokens.
          allowedPolicy: (_ctx, client, token) => client.clientAuthMethod !== 'none' && (token.clientId === undefined || token.clientId === client.clientId),
        },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        pushedAuthorizationRequests: { enabled: false },
        resourceIndicators: { enabled: false },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx, form) => {
            ctx.type = 'html';
            ctx.body = renderLogoutPage(form, ctx.oidc.client?.clientName);
          },
          postLogoutSuccessSource: async (ctx) => {
            ctx.type = 'html';
            ctx.body = renderSignedOutPage();
          },
        },
      },
      // A relying party's own origin (one of its redirect URIs) may call the token, userinfo and
      // revocation endpoints from a browser.
      clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => originOf(uri) === origin) ?? false,
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = renderErrorPage(String(out.error), typeof out.error_description === 'string' ? out.error_description : undefined);
      },
    };

    const built = new Provider(issuer, configuration);
    built.proxy = config.trustProxy;
    if (config.trustProxy) built.app.maxIpsCount = 1;
    // Secrets are kept as hashes (clients.ts): compare the hash of what was sent.
    const clientPrototype = (built.Client as unknown as { prototype: { clientSecret?: string; compareClientSecret(actual: string): boolean | Promise<boolean> } }).prototype;
    clientPrototype.compareClientSecret = function compareClientSecret(actual: string) {
      return verifyClientSecret(this.clientSecret, actual);
    };
    built.on('server_error', (_ctx: unknown, err: unknown) => logger.error({ err }, 'OpenID provider error'));
    built.on('end_session.success', (ctx: KoaContextWithOIDC) => {
      // The account whose provider session ended; its wallet-login session ends with it. (When
      // a sign-in as another account replaces the provider session, oidc-provider ends the old
      // one this way too: the wallet-login session is then the new account's, and stays.)
      if (ctx.oidc.params?.logout) (ctx.state as { endWalletSession?: string }).endWalletSession = ctx.oidc.session?.accountId;
    });

    // The wallet-login session on every provider request (as ctx.state.session), then this
    // module's hooks around the provider's own routes.
    built.use(createSessionLayer(built.app as unknown as Koa, options.session) as unknown as Parameters<OidcProvider['use']>[0]);
    built.use((async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
      ctx.set('Content-Security-Policy', PROVIDER_CONTENT_SECURITY_POLICY);
      const action = ctx.method === 'POST' ? CLIENT_AUTH_ROUTES[ctx.path] : undefined;
      if (action !== undefined) {
        const refused = await limit(ctx);
        if (refused) return audit(ctx, action, 'rate_limited');
      }
      await next();
      // Only a page with a form (form_post, end-session): the error page's parameters are unchecked.
      if (ctx.response.is('html') && typeof ctx.body === 'string' && ctx.body.includes('<form')) allowFormTargets(ctx);
      if (action !== undefined) auditClientRequest(ctx, action);
      const state = ctx.state as Partial<SessionState> & { endWalletSession?: string };
      const signedIn = state.session?.signedIn();
      if (state.endWalletSession !== undefined && signedIn !== undefined && subjectOf(config.chainId, signedIn.address) === state.endWalletSession) {
        await state.session!.end();
        audit(ctx, 'oidc_end_session', 'ok', signedIn.address);
      }
      if (ctx.oidc?.route === 'resume') await linkWalletSession(ctx);
    }) as unknown as Parameters<OidcProvider['use']>[0]);
    return built;
  }

  /** Counts a client request against its IP; answers 429 (an OAuth error body) when over. */
  async function limit(ctx: KoaContextWithOIDC): Promise<boolean> {
    try {
      await limiter.consume(ctx.ip || 'unknown');
      return false;
    } catch (error) {
      const retry = error instanceof RateLimiterRes ? Math.max(1, Math.ceil(error.msBeforeNext / 1000)) : 1;
      ctx.status = error instanceof RateLimiterRes ? 429 : 503;
      ctx.set('Retry-After', String(retry));
      ctx.body = { error: 'temporarily_unavailable', error_description: error instanceof RateLimiterRes ? `too many requests; try again in ${retry} s` : 'the service is briefly unavailable' };
      return true;
    }
  }

  /** One audit entry per token, introspection or revocation request: ok, or the OAuth error (invalid_client: failed client authentication). */
  function auditClientRequest(ctx: KoaContextWithOIDC, action: AuditAction): void {
    const body = ctx.body as { error?: unknown } | undefined;
    const outcome = ctx.status < 400 ? 'ok' : typeof body?.error === 'string' ? body.error : `http_${ctx.status}`;
    const entities = ctx.oidc?.entities as { Account?: { accountId?: string }; Grant?: { accountId?: string } } | undefined;
    const accountId = entities?.Account?.accountId ?? entities?.Grant?.accountId;
    audit(ctx, action, outcome, accountId === undefined ? undefined : addressOf(config.chainId, accountId));
  }

  /**
   * After a resumed authorization: notes which provider session the wallet-login session (its
   * store key, passed in the interaction result) signed in, so that its sign-out ends it.
   */
  async function linkWalletSession(ctx: KoaContextWithOIDC): Promise<void> {
    const interaction = ctx.oidc.entities.Interaction as { result?: { walletSession?: unknown } } | undefined;
    const storeKey = interaction?.result?.walletSession;
    const session = ctx.oidc.session;
    if (typeof storeKey !== 'string' || session?.accountId === undefined) return;
    const linked = await stores.oidc.find(WALLET_SESSION_MODEL, storeKey);
    const uids = new Set(Array.isArray(linked?.sessions) ? (linked.sessions as unknown[]).filter((uid): uid is string => typeof uid === 'string') : []);
    uids.add(session.uid);
    await stores.oidc.upsert(WALLET_SESSION_MODEL, storeKey, { accountId: session.accountId, sessions: [...uids] }, config.sessionAbsoluteMs);
  }

  const revokeGrant = (grantId: string): Promise<void> => revokeStoredGrant(stores.oidc, grantId);

  /** Ends the provider sessions a wallet-login sign-out covers, and revokes their grants. */
  async function endProviderSessions(address: string, storeKey: string | undefined): Promise<void> {
    const accountId = subjectOf(config.chainId, address);
    let sessions: Array<{ id: string; payload: Record<string, unknown> }>;
    if (storeKey !== undefined) {
      const linked = await stores.oidc.find(WALLET_SESSION_MODEL, storeKey);
      await stores.oidc.destroy(WALLET_SESSION_MODEL, storeKey);
      const uids = Array.isArray(linked?.sessions) ? (linked.sessions as unknown[]).filter((uid): uid is string => typeof uid === 'string') : [];
      const found = await Promise.all(uids.map((uid) => stores.oidc.findByUid('Session', uid)));
      sessions = found.flatMap((payload) => (payload !== undefined && typeof payload.jti === 'string' ? [{ id: payload.jti, payload }] : []));
    } else {
      sessions = await stores.oidc.listByAccount('Session', accountId);
    }
    for (const { id, payload } of sessions) {
      if (payload.accountId !== accountId) continue;
      const authorizations = (payload.authorizations ?? {}) as Record<string, { grantId?: unknown }>;
      for (const { grantId } of Object.values(authorizations)) if (typeof grantId === 'string') await revokeGrant(grantId);
      await stores.oidc.destroy('Session', id);
    }
    // Signing out everywhere revokes every grant of the address, offline ones included.
    if (storeKey === undefined) {
      for (const { id } of await stores.oidc.listByAccount('Grant', accountId)) await revokeGrant(id);
    }
  }
  const unsubscribe = events.subscribe(({ address, storeKey }) => {
    endProviderSessions(address, storeKey).catch((err: unknown) => logger.warn({ err }, 'ending the provider sessions of a sign-out failed'));
  });

  const middleware: Koa.Middleware = async (ctx, next) => {
    if (ctx.path !== OIDC_PATH && !ctx.path.startsWith(`${OIDC_PATH}/`)) return next();
    await provider();
    const { callback } = current!;
    // The provider's own Koa app answers: it is handed the request with the mount path cut off
    // (as koa-mount does; it builds its URLs from originalUrl), and writes the response itself.
    ctx.respond = false;
    const req = ctx.req as typeof ctx.req & { originalUrl?: string };
    req.originalUrl = ctx.originalUrl;
    req.url = ctx.url.slice(OIDC_PATH.length) || '/';
    await callback(ctx.req, ctx.res);
    // The answer is written; an empty body here would read as an error to the error middleware.
    ctx.body = '';
  };

  return {
    provider,
    middleware,
    chainId: config.chainId,
    stores,
    clock,
    audit,
    revokeGrant,
    async resourcesFor(uid) {
      const interaction = await stores.oidc.find('Interaction', uid);
      const redirectUri = (interaction?.params as { redirect_uri?: unknown } | undefined)?.redirect_uri;
      return typeof redirectUri === 'string' ? [redirectUri] : [];
    },
    close: unsubscribe,
  };
}

/** The id of the remembered Allow of `clientId` by `accountId`. */
export function approvalId(accountId: string, clientId: string): string {
  return `${accountId} ${clientId}`;
}

/**
 * The provider's answers: JSON, and a few pages with one hashed stylesheet and no script except
 * oidc-provider's own form_post auto-submit, whose hash it adds to script-src itself. form-action
 * is widened per page to the relying party it returns to (allowFormTargets).
 */
const PROVIDER_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src ${PAGE_STYLE_SOURCE}`,
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function originOf(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.origin === 'null' ? `${url.protocol}` : url.origin;
  } catch {
    return undefined;
  }
}

/**
 * A page that posts to, or redirects after a post to, the relying party (form_post, the
 * end-session confirmation) needs its origin in form-action (CSP Level 3 §6.4.1). Both URIs were
 * checked against the client's registration before the page was made.
 */
function allowFormTargets(ctx: KoaContextWithOIDC): void {
  const params = (ctx.oidc?.params ?? {}) as { redirect_uri?: unknown; post_logout_redirect_uri?: unknown };
  const targets = [params.redirect_uri, params.post_logout_redirect_uri]
    .flatMap((uri) => (typeof uri === 'string' ? [originOf(uri)] : []))
    .filter((origin): origin is string => origin !== undefined && /^[a-z][a-z0-9+.-]*:(\/\/[^\s;,']+)?$/i.test(origin));
  if (targets.length === 0) return;
  const policy = ctx.response.get('Content-Security-Policy');
  if (policy) ctx.set('Content-Security-Policy', policy.replace("form-action 'self'", `form-action 'self' ${targets.join(' ')}`));
}
