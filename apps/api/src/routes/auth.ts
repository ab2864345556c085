// The authentication endpoints under /api/auth: challenge, login, register, me, logout.

import Router from 'koa-router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import {
  createChallenge,
  createChallengeMessage,
  isSid,
  normalizeAddress,
  parseSignature,
  verifyChallenge,
  type ChallengeFormat,
} from '@wallet-login/challenge';
import { ApiError } from '../errors';
import type { Clock, Stores } from '../stores/types';
import type { SessionObject } from '../middleware/session';

export interface AuthRoutesOptions {
  stores: Stores;
  clock: Clock;
  random: (length: number) => Uint8Array;
  /** EIP-4361 domain (host[:port] of the public origin). */
  domain: string;
  /** EIP-4361 URI (the public origin). */
  uri: string;
  chainId: number;
  statement: string;
  registration: 'open' | 'closed';
  challengeTtlMs: number;
  clockSkewMs: number;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
}

/** How long past its expiry a challenge is kept, so a late login hears "expired", not "not found". */
const EXPIRED_CHALLENGE_RETENTION_MS = 60_000;

const challengeBody = z.object({
  format: z.enum(['siwe', 'json']).optional(),
  address: z.string().max(64).optional(),
});

const loginBody = z.object({
  sid: z.string().max(256),
  signature: z.string().max(1024),
  message: z.string().max(32 * 1024).optional(),
});

export function authRoutes(options: AuthRoutesOptions): Router {
  const { stores, clock, random } = options;
  const router = new Router({ prefix: '/api/auth' });

  router.post('/challenge', async (ctx) => {
    const body = parseBody(challengeBody, ctx.request.body ?? {});
    const format: ChallengeFormat = body.format ?? 'siwe';
    let address: string | undefined;
    if (body.address !== undefined) {
      address = normalizeAddress(body.address);
      if (!address) throw new ApiError('invalid_request', 'address is not an Ethereum address (0x + 40 hex digits, valid EIP-55 checksum if mixed case).');
    }

    const session = requireSession(ctx);
    const now = clock.now();
    session.binding ??= Buffer.from(random(16)).toString('base64url');
    session.createdAt ??= now;
    // A pre-login session lives only as long as its newest challenge can still be answered.
    if (!session.address) session.absoluteExpiresAt = now + options.challengeTtlMs + EXPIRED_CHALLENGE_RETENTION_MS;

    const challenge = createChallenge({ now, random });
    const expiresAt = now + options.challengeTtlMs;
    const message =
      format === 'siwe'
        ? createChallengeMessage({
            format, challenge, address, expiresAt,
            domain: options.domain, uri: options.uri, chainId: options.chainId, statement: options.statement,
          })
        : createChallengeMessage({ format, challenge });
    await stores.challenges.put(
      { ...challenge, expiresAt, format, message, binding: session.binding },
      options.challengeTtlMs + EXPIRED_CHALLENGE_RETENTION_MS,
    );
    ctx.body = { sid: challenge.sid, timestamp: challenge.timestamp, expiresAt, format, message };
  });

  const authenticate = (mode: 'login' | 'register') => async (ctx: ParameterizedContext) => {
    const body = parseBody(loginBody, ctx.request.body);
    if (!isSid(body.sid)) throw new ApiError('invalid_request', 'sid is not a challenge id.');
    // A malformed signature is refused (400) before the challenge is taken, so it does not use it up.
    parseSignature(body.signature);
    if (mode === 'register' && options.registration === 'closed') {
      throw new ApiError('registration_closed', 'Registration is closed on this server.');
    }

    // Single use: taken (deleted) before anything else is checked, so a second attempt fails
    // whatever became of the first.
    const challenge = await stores.challenges.take(body.sid);
    const session = requireSession(ctx);
    if (!challenge || !session.binding || challenge.binding !== session.binding) {
      throw new ApiError('challenge_not_found', 'No such challenge for this session; it may have been used already.');
    }
    if (body.message !== undefined && body.message !== challenge.message) {
      throw new ApiError('message_mismatch', 'The signed message is not the one issued for this challenge.');
    }

    // ChallengeErrors thrown here reach the error middleware, which maps them to API codes.
    const now = clock.now();
    const { address } = verifyChallenge({
      challenge, message: challenge.message, signature: body.signature, now,
      ttlMs: options.challengeTtlMs, skewMs: options.clockSkewMs,
      domain: options.domain, uri: options.uri, chainId: options.chainId,
    });

    let created = false;
    if (mode === 'register') created = await stores.users.add(address, now);
    else if (!(await stores.users.has(address))) {
      throw new ApiError('address_not_registered', 'This address is not registered here.');
    }

    // A new session id at the privilege change (OWASP session fixation): the pre-login id dies.
    delete session.binding;
    session.address = address;
    session.createdAt = now;
    session.absoluteExpiresAt = now + options.sessionAbsoluteMs;
    await session.regenerate();
    ctx.status = created ? 201 : 200;
    ctx.body = { address };
  };

  router.post('/login', authenticate('login'));
  router.post('/register', authenticate('register'));

  router.get('/me', (ctx) => {
    const session = ctx.session;
    if (!session?.address) throw new ApiError('unauthenticated', 'Not signed in.');
    const now = clock.now();
    ctx.body = {
      address: session.address,
      createdAt: session.createdAt,
      expiresAt: Math.min(now + options.sessionIdleMs, session.absoluteExpiresAt ?? Infinity),
    };
  });

  router.post('/logout', (ctx) => {
    // Deletes the session from the store and expires the cookie (koa-session commit).
    ctx.session = null;
    ctx.status = 204;
  });

  return router;
}

function requireSession(ctx: { session: SessionObject | null }): SessionObject {
  const session = ctx.session;
  if (!session) throw new Error('session middleware is not mounted');
  return session;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('invalid_request', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ApiError('invalid_request', `${where}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}
