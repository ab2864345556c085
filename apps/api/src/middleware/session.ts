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
  /** Cookie name; `__Host-` prefixed whenever the cookie is Secure. */
  cookieName: string;
  /** Secure cookie (the public origin is https). */
  secure: boolean;
  idleMs: number;
}

/** SHA-256 of the cookie's id: what the store is keyed by. */
export function sessionStoreKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** The store key of the session this request loaded from its cookie, if any. */
export function loadedSessionKey(ctx: Koa.Context): string | undefined {
  const key: unknown = ctx.state.sessionKey;
  return typeof key === 'string' ? key : undefined;
}

export function createSessionMiddleware(app: Koa, options: SessionOptions): Koa.Middleware {
  const { store, clock } = options;
  // Which store key each request loaded: a later save of that key is an update, which fails if
  // the session was deleted meanwhile (a logout racing this request never revives it).
  const loaded = new WeakMap<object, string>();
  // What each request last wrote: koa-session saves at regenerate() and again when the request
  // ends; the second, identical write is skipped (one store write per login).
  const written = new WeakMap<object, string>();

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
      sameSite: 'lax',
      genid: () => Buffer.from(options.random(32)).toString('base64url'),
      valid: (_ctx: unknown, data: SessionData) => typeof data.absoluteExpiresAt !== 'number' || data.absoluteExpiresAt > clock.now(),
      store: {
        async get(id: string, _maxAge: number, { ctx }: { ctx: object }) {
          const key = sessionStoreKey(id);
          const data = await store.get(key);
          if (data) {
            loaded.set(ctx, key);
            (ctx as Koa.Context).state.sessionKey = key;
          }
          return data;
        },
        async set(id: string, data: SessionData, _maxAge: number, { ctx }: { ctx: object }) {
          const key = sessionStoreKey(id);
          const fingerprint = `${key} ${JSON.stringify({ ...data, _expire: undefined })}`;
          if (written.get(ctx) === fingerprint) return;
          written.set(ctx, fingerprint);
          const ttl = remaining(data);
          if (ttl <= 0) return void (await store.destroy(key));
          if (loaded.get(ctx) === key) await store.update(key, data, ttl);
          else await store.set(key, data, ttl);
        },
        async destroy(id: string) {
          await store.destroy(sessionStoreKey(id));
        },
      },
    } as unknown as Parameters<typeof session>[0],
    app,
  );
}
