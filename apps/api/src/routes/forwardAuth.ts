// Forward auth: GET /api/auth/verify, asked by a reverse proxy (nginx auth_request, Traefik
// ForwardAuth, Caddy forward_auth) about every request to an app it protects, with the
// visitor's cookies. 204 with the address for a live signed-in session, 401 otherwise.
//
// Cheap, and it rewrites nothing: it is mounted outside the session layer (which would note the
// activity and roll the cookie), checks the cookie's signature itself without re-signing it,
// and makes one store read. It never asks a chain either: a contract wallet's session whose
// check is due (CONTRACT_WALLET_RECHECK_SECONDS since the last) is 401 here, which sends the
// visitor to the sign-in page; the page's first request checks the wallet on the chain through
// the session layer and, still accepted, returns the visitor through return_to.

import Router from 'koa-router';
import type { Context } from 'koa';
import { ApiError } from '../errors';
import type { CookieKeys } from '../middleware/cookieKeys';
import { contractWalletCheckDue, sessionStoreKey } from '../middleware/session';
import type { Clock, SessionStore } from '../stores/types';

export interface ForwardAuthOptions {
  sessions: SessionStore;
  clock: Clock;
  /** The session cookie's name (sessionCookieName). */
  cookieName: string;
  /** The session cookie's signing keys: the app's (createCookieKeys of SESSION_KEYS). */
  keys: CookieKeys;
  /** The idle timeout: a session ends this long after its last write unless used again. */
  idleMs: number;
  /** How long a contract wallet's chain check holds (CONTRACT_WALLET_RECHECK_SECONDS, in ms). */
  contractWalletRecheckMs: number;
}

export function forwardAuthRoutes(options: ForwardAuthOptions): Router {
  const { sessions, clock, cookieName, keys, idleMs, contractWalletRecheckMs } = options;
  const router = new Router({ sensitive: true });

  router.get('/auth/verify', async (ctx) => {
    const id = signedCookie(ctx, cookieName, keys);
    const data = id === undefined ? undefined : await sessions.get(sessionStoreKey(id));
    const now = clock.now();
    const absolute = typeof data?.absoluteExpiresAt === 'number' ? data.absoluteExpiresAt : Infinity;
    if (typeof data?.address !== 'string' || data.address === '' || absolute <= now) throw new ApiError('unauthenticated', 'Not signed in.');
    if (contractWalletCheckDue(data, now, contractWalletRecheckMs)) {
      throw new ApiError('unauthenticated', "The contract wallet's sign-in is due to be checked on the chain: open the sign-in page.");
    }
    // The session layer wrote `_storedAt` (its clock) with the idle TTL it gave the store.
    const idle = typeof data._storedAt === 'number' ? data._storedAt + idleMs : now + idleMs;
    ctx.set('X-Wallet-Address', data.address);
    ctx.set('X-Wallet-Session-Expires', String(Math.min(idle, absolute)));
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 204;
  });

  return router;
}

/**
 * The value of cookie `name` if its `.sig` companion is a valid signature by one of `keys`, as
 * the cookies module signs them. Read only: the cookies module's own signed read would re-sign
 * or clear the companion with a Set-Cookie.
 */
export function signedCookie(ctx: Context, name: string, keys: CookieKeys): string | undefined {
  const value = ctx.cookies.get(name, { signed: false });
  const signature = ctx.cookies.get(`${name}.sig`, { signed: false });
  if (!value || !signature) return undefined;
  return keys.verify(`${name}=${value}`, signature) ? value : undefined;
}
