// Server-side sessions: koa-session with the session store behind it. The cookie holds only a
// random id (256 bits, signed with the app keys); the data lives in the store, keyed by the
// SHA-256 of the id so a leaked store does not hand out live cookies.
// Idle timeout: rolling cookie and store TTL; absolute timeout: `absoluteExpiresAt` in the data.

import { createHash } from 'node:crypto';
import type Koa from 'koa';
import session from 'koa-session';
import type { Clock, SessionData, SessionStore } from '../stores/types';

/** Our fields of the session data. koa-session adds `_expire` and `_maxAge`. */
export interface AuthSession {
  /** The signed-in address (EIP-55); absent before login. */
  address?: string;
  /** Secret tying challenges to this browser session; set when a challenge is issued. */
  binding?: string;
  /** When this session was created or, after login, signed in (ms). */
  createdAt?: number;
  /** Hard end of the session, whatever its activity (ms). */
  absoluteExpiresAt?: number;
  /** Last request seen, to the minute (ms); for the session list. */
  lastSeenAt?: number;
  /** The browser's User-Agent at sign-in (truncated); for the session list. */
  userAgent?: string;
  /** Sids of this session's outstanding challenges, oldest first (bounded). */
  challenges?: string[];
}

export type SessionObject = AuthSession & {
  regenerate(): Promise<void> | undefined;
};

declare module 'koa' {
  interface ExtendableContext {
    session: SessionObject | null;
  }
}

export interface SessionOptions {
  store: SessionStore;
  clock: Clock;
  random: (length: number) => Uint8Array;
  /** Cookie name; `__Host-` (host-only) or `__Secure-` (with a domain) prefixed whenever the cookie is Secure. */
  cookieName: string;
  /** Secure cookie (the public origin is https). */
  secure: boolean;
  /** Domain attribute: the cookie is shared with every subdomain (COOKIE_DOMAIN); host-only when absent. */
  domain?: string;
  idleMs: number;
}

/**
 * koa-session rewrites the session at every request (rolling) to push its store expiry back. An
 * unchanged session last written less than this long ago (or a tenth of the idle timeout, if
 * less) is not rewritten, so a busy session costs no store write per request; the idle timeout
 * then counts from the last write, at most this much before the last request.
 */
export const SESSION_REFRESH_MS = 60_000;

/** SHA-256 of the cookie's id: what the store is keyed by. */
export function sessionStoreKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** The store key of the session this request loaded from its cookie, if any. */
export function loadedSessionKey(ctx: Koa.Context): string | undefined {
  const key: unknown = ctx.state.sessionKey;
  return typeof key === 'string' ? key : undefined;
}

/**
 * Clears this request's session and cookie after the route deleted the session from the store
 * itself (so that it is gone before the sign-out is announced); koa-session then does not delete
 * it a second time.
 */
export function forgetDeletedSession(ctx: Koa.Context): void {
  ctx.state.sessionDeleted = loadedSessionKey(ctx);
  ctx.session = null;
}

export function createSessionMiddleware(app: Koa, options: SessionOptions): Koa.Middleware {
  const { store, clock } = options;
  // Which store key each request loaded: a later save of that key is an update, which fails if
  // the session was deleted meanwhile (a logout racing this request never revives it).
  const loaded = new WeakMap<object, string>();
  // What each request last wrote: koa-session saves at regenerate() and again when the request
  // ends; the second, identical write is skipped (one store write per login).
  const written = new WeakMap<object, string>();
  // What each request loaded, and when (our clock) that was written: see SESSION_REFRESH_MS.
  const loadedAs = new WeakMap<object, { fingerprint: string; storedAt: number }>();
  const refreshMs = Math.min(SESSION_REFRESH_MS, options.idleMs / 10);
  const fingerprintOf = (key: string, data: SessionData): string =>
    `${key} ${JSON.stringify(data, (name, value: unknown) => (name === '_expire' || name === '_storedAt' ? undefined : value))}`;

  // The store's TTL is the idle timeout on our clock (koa-session's own maxAge argument carries a
  // 10 s margin and its expiry check uses the wall clock), capped by the absolute timeout.
  const remaining = (data: SessionData): number => {
    const absolute = typeof data.absoluteExpiresAt === 'number' ? data.absoluteExpiresAt - clock.now() : Infinity;
    return Math.min(options.idleMs, absolute);
  };

  return session(
    {
      key: options.cookieName,
      maxAge: options.idleMs,
      rolling: true,
      httpOnly: true,
      signed: true,
      secure: options.secure,
      domain: options.domain,
      sameSite: 'lax',
      genid: () => Buffer.from(options.random(32)).toString('base64url'),
      valid: (_ctx: unknown, data: SessionData) => typeof data.absoluteExpiresAt !== 'number' || data.absoluteExpiresAt > clock.now(),
      store: {
        async get(id: string, _maxAge: number, { ctx }: { ctx: object }) {
          const key = sessionStoreKey(id);
          const data = await store.get(key);
          if (data) {
            loaded.set(ctx, key);
            loadedAs.set(ctx, { fingerprint: fingerprintOf(key, data), storedAt: typeof data._storedAt === 'number' ? data._storedAt : -Infinity });
            (ctx as Koa.Context).state.sessionKey = key;
          }
          return data;
        },
        async set(id: string, data: SessionData, _maxAge: number, { ctx }: { ctx: object }) {
          const key = sessionStoreKey(id);
          const fingerprint = fingerprintOf(key, data);
          if (written.get(ctx) === fingerprint) return;
          const now = clock.now();
          const before = loadedAs.get(ctx);
          if (loaded.get(ctx) === key && before?.fingerprint === fingerprint && now - before.storedAt < refreshMs) return;
          written.set(ctx, fingerprint);
          const ttl = remaining(data);
          if (ttl <= 0) return void (await store.destroy(key));
          const stored = { ...data, _storedAt: now };
          if (loaded.get(ctx) === key) await store.update(key, stored, ttl);
          else await store.set(key, stored, ttl);
        },
        async destroy(id: string, { ctx }: { ctx: Koa.Context }) {
          const key = sessionStoreKey(id);
          // A route that deleted the session itself (see forgetDeletedSession) is not repeated.
          if (ctx.state.sessionDeleted === key) return;
          await store.destroy(key);
        },
      },
    } as unknown as Parameters<typeof session>[0],
    app,
  );
}
