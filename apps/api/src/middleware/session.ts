// Server-side sessions, and the one handle routes act on them through: `ctx.state.session`.
//
// koa-session is the mechanism, used as designed: an external store (one ContextStore per
// request), a cookie that holds only a random id (256 bits from the injected random, signed with
// the app keys), `regenerate()` at sign-in and `ctx.session = null` at logout. The data lives in
// the session store keyed by the SHA-256 of the id, so a leaked store does not hand out live
// cookies. Idle timeout: the cookie's Max-Age and the store's TTL, both renewed when the session
// is saved, on the injected clock; absolute timeout: `absoluteExpiresAt` in the data. A session
// is saved when it changes, and when it is used SESSION_REFRESH_MS after its last save (touch),
// not at every request: an unchanged session's request costs no store write and no Set-Cookie.
//
// Routes never touch koa-session or the store's session verbs: they call the verbs of Session
// (start, rotate, end, endAll, revoke, list), and the layer keeps the rest (lastSeenAt, which store
// key this request loaded, which store writes to skip). A sign-in (rotate) hands its audit entry
// to the store's write of the new session, so the two are recorded together (SessionStore.set).
//
// A contract wallet's session (ERC-1271, ERC-6492) keeps its login message, signature and chain,
// and the layer checks them on the chain again, lazily, when a request uses the session and
// CONTRACT_WALLET_RECHECK_SECONDS have passed since the last check (EIP-4361 §Security
// Considerations: a contract wallet's state, its owners or modules, can change after sign-in).
// When the contract no longer accepts the sign-in the session ends as a revoke does (deleted,
// then announced, so live sockets hear `signed_out`) and the request is 401 unauthenticated; when
// the RPC cannot decide, the session is kept and checked again at the next request.

import { createHash } from 'node:crypto';
import type Koa from 'koa';
import createSession from 'koa-session';
import type { SignInMethod } from '@wallet-login/contract';
import { isChainError, type ContractWalletVerifier } from '../chain';
import { ApiError } from '../errors';
import type { SessionEvents } from '../events/types';
import type { AuditEntry, Clock, SessionData, SessionStore } from '../stores/types';

/**
 * A session used this long after its last save (or a tenth of the idle timeout, if less) is saved
 * again, pushing its store expiry and its cookie's back; a busy session costs no store write per
 * request, and the idle timeout counts from the last save, at most this much before the last
 * request.
 */
export const SESSION_REFRESH_MS = 60_000;

/** lastSeenAt is kept to this resolution, so a busy session is not rewritten for it every request. */
const LAST_SEEN_RESOLUTION_MS = 60_000;
/** The stored User-Agent (for the session list) is cut to this length. */
const USER_AGENT_MAX = 256;

/** SHA-256 of the cookie's id: what the store is keyed by. */
export function sessionStoreKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Our fields of the session data. koa-session adds `_expire` and `_maxAge`, the store `_storedAt`. */
interface SessionFields {
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
  /** This session's outstanding challenges, oldest first (bounded), with the address each was asked for. */
  challenges?: unknown;
  /** How the address proved itself at sign-in; absent on sessions signed in before it was kept (all `eoa`). */
  method?: unknown;
  /** A contract wallet's login, kept to check it again on the chain; read through `contractWalletProof`. */
  contractWallet?: unknown;
}

/** How a sign-in proved the address: a key pair's signature, or a contract wallet's, to be checked again. */
export type SignInProof =
  | { method: 'eoa' }
  | {
      method: Exclude<SignInMethod, 'eoa'>;
      /** The message's Chain ID: the chain the contract is asked on. */
      chainId: number;
      /** The exact message signed at sign-in. */
      message: string;
      /** The signature as sent (up to 16 KiB). */
      signature: string;
    };

/** A contract wallet's stored login, and when the chain last accepted it (ms). */
interface ContractWalletProof {
  chainId: number;
  message: string;
  signature: string;
  checkedAt: number;
}

const SIGN_IN_METHODS: readonly SignInMethod[] = ['eoa', 'erc1271', 'erc6492'];

/** koa-session's session object, as far as this module uses it. */
type KoaSession = SessionFields & { regenerate(): Promise<void> | undefined; _requireSave?: boolean };

declare module 'koa' {
  interface ExtendableContext {
    /** koa-session's session; only this module uses it (routes use `ctx.state.session`). */
    session: KoaSession | null;
  }
}

/** A challenge this session was issued and has not used, with the address it was asked for. */
export interface OutstandingChallenge {
  sid: string;
  /** The address the challenge was asked for; absent when it named none (any signer). */
  address?: string;
}

/** The signed-in session, as GET /api/auth/me answers it. */
export interface SignedIn {
  address: string;
  /** How the address proved itself at sign-in. */
  method: SignInMethod;
  /** When it was signed in (ms). */
  createdAt: number;
  /** When it ends if idle from now on, or its absolute end if sooner (ms). */
  expiresAt: number;
}

/** One live session of the signed-in address, as GET /api/auth/sessions lists it. */
export interface ListedSession {
  /** The store key (never the cookie's value). */
  id: string;
  createdAt: number | null;
  /** To the minute; the sign-in time when no later request was seen. */
  lastSeenAt: number | null;
  expiresAt: number;
  userAgent: string | null;
  /** The session this request is made with. */
  current: boolean;
}

/** What the session layer adds to `ctx.state` of the routes it is mounted on. */
export interface SessionState {
  session: Session;
}

export interface SessionLayerOptions {
  store: SessionStore;
  clock: Clock;
  random: (length: number) => Uint8Array;
  /** Told when a session ends (logout, revoke, logout-all), after it is gone from the store. */
  events: SessionEvents;
  /** Cookie name; `__Host-` (host-only) or `__Secure-` (with a domain) prefixed whenever the cookie is Secure. */
  cookieName: string;
  /** Secure cookie (the public origin is https). */
  secure: boolean;
  /** Domain attribute: the cookie is shared with every subdomain (COOKIE_DOMAIN); host-only when absent. */
  domain?: string;
  idleMs: number;
  /** How long a signed-in session lasts, whatever its activity. */
  absoluteMs: number;
  /**
   * Checks a contract wallet's session again on the chain.
   * @default none: a contract wallet's session is ended at its first re-check (it cannot be vouched for)
   */
  contractWallets?: ContractWalletVerifier;
  /** How long a contract wallet's session goes between checks, ms (CONTRACT_WALLET_RECHECK_SECONDS). @default 3600000 */
  contractWalletRecheckMs?: number;
}

/** What every request's Session shares. */
interface Shared extends SessionLayerOptions {
  refreshMs: number;
  contractWalletRecheckMs: number;
}

/**
 * What one request did with the store, kept for its Session: koa-session calls get, set and
 * destroy (it makes one of these per request, its ContextStore), Session reads and marks it.
 */
interface RequestRecord {
  /** The store key this request loaded from its cookie, what it held, and when that was written (our clock). */
  loaded?: { key: string; fingerprint: string; storedAt: number };
  /** What this request last wrote: koa-session saves at regenerate() and again when the request ends. */
  written?: string;
  /** A store key a verb deleted itself (so that it is gone before the sign-out is announced). */
  deleted?: string;
  /** The audit entry of the sign-in under way: written with the new session, then cleared. */
  audit?: AuditEntry;
  /** The pre-login session the sign-in under way replaces: deleted with the new session's write. */
  replaces?: string;
}

/** The session of one request, with the verbs routes use. */
export class Session {
  readonly #ctx: Koa.Context;
  readonly #record: RequestRecord;
  readonly #shared: Shared;

  constructor(ctx: Koa.Context, record: RequestRecord, shared: Shared) {
    this.#ctx = ctx;
    this.#record = record;
    this.#shared = shared;
  }

  /** The signed-in address, or undefined before sign-in (and after the session ended). */
  get address(): string | undefined {
    return this.#ctx.session?.address || undefined;
  }

  /** The store key of the session this request loaded from its cookie, if any. */
  get storeKey(): string | undefined {
    return this.#record.loaded?.key;
  }

  /** The secret tying challenges to this browser session, once `start` made one. */
  get binding(): string | undefined {
    return this.#ctx.session?.binding;
  }

  /** The signed-in session, or undefined. */
  signedIn(): SignedIn | undefined {
    const data = this.#ctx.session;
    if (!data?.address) return undefined;
    const now = this.#shared.clock.now();
    return {
      address: data.address,
      method: methodOf(data.method),
      createdAt: data.createdAt ?? now,
      expiresAt: Math.min(now + this.#shared.idleMs, data.absoluteExpiresAt ?? Infinity),
    };
  }

  /**
   * Starts the pre-login session, or continues this one: a binding (made once, kept until sign-in)
   * ties the challenges it is issued to this browser. A session not signed in lives only until
   * `until` (ms), so it lasts as long as its newest challenge can be answered. Returns the binding.
   */
  start(until: number): string {
    const data = this.#data();
    data.binding ??= Buffer.from(this.#shared.random(16)).toString('base64url');
    data.createdAt ??= this.#shared.clock.now();
    if (!data.address) data.absoluteExpiresAt = until;
    return data.binding;
  }

  /**
   * Notes a challenge issued to this session, with the address it was asked for. A session holds
   * at most `keep`; returns the sids of the oldest ones dropped to make room.
   */
  recordChallenge(challenge: OutstandingChallenge, keep: number): string[] {
    const data = this.#data();
    const outstanding = [...this.#outstanding(), challenge];
    const dropped = outstanding.splice(0, Math.max(0, outstanding.length - keep));
    data.challenges = outstanding;
    return dropped.map(({ sid }) => sid);
  }

  /** The challenge `sid` this session was issued and has not used, or undefined. */
  outstandingChallenge(sid: string): OutstandingChallenge | undefined {
    return this.#outstanding().find((challenge) => challenge.sid === sid);
  }

  /**
   * Signs in `address`: a new session id at the privilege change (OWASP session fixation: the
   * pre-login id dies), the signed-in data, and one store write, which records `audit` (the
   * sign-in's entry) with the session. When it fails, nothing of the sign-in is written and this
   * request's session ends (the cookie is cleared; its challenge is used up anyway). `proof` says
   * how the address proved itself; a contract wallet's is kept, to be checked again.
   */
  async rotate(address: string, audit: AuditEntry, proof: SignInProof = { method: 'eoa' }): Promise<void> {
    const data = this.#data();
    const now = this.#shared.clock.now();
    delete data.binding;
    delete data.challenges;
    data.address = address;
    data.method = proof.method;
    if (proof.method === 'eoa') delete data.contractWallet;
    else data.contractWallet = { chainId: proof.chainId, message: proof.message, signature: proof.signature, checkedAt: now } satisfies ContractWalletProof;
    data.createdAt = now;
    data.lastSeenAt = now;
    data.absoluteExpiresAt = now + this.#shared.absoluteMs;
    const userAgent = this.#ctx.get('User-Agent').slice(0, USER_AGENT_MAX);
    if (userAgent) data.userAgent = userAgent;
    else delete data.userAgent;
    const record = this.#record;
    record.audit = audit;
    try {
      await data.regenerate();
      if (record.audit !== undefined) throw new Error('the sign-in was not written as a new session');
    } catch (error) {
      // koa-session saves the session again when the request ends: the signed-in data must not
      // reach the store that way, without its entry.
      record.audit = undefined;
      this.#ctx.session = null;
      // The pre-login session the failed write was to replace ends too, if the store lets it.
      const replaces = record.replaces;
      record.replaces = undefined;
      if (replaces !== undefined) await this.#shared.store.destroy(replaces).then(() => (record.deleted = replaces), () => undefined);
      throw error;
    }
  }

  /**
   * A contract wallet's session, due for its check (CONTRACT_WALLET_RECHECK_SECONDS since the last
   * one), is checked on the chain (the layer calls it for every request). Accepted: noted, kept.
   * The RPC cannot decide: kept, asked again at the next request. Not accepted (or it cannot be
   * checked at all: no RPC for its chain, its stored login damaged): ended as a revoke ends it,
   * and this request is refused with 401 unauthenticated.
   */
  async recheckContractWallet(): Promise<void> {
    const data = this.#ctx.session;
    const now = this.#shared.clock.now();
    if (!data?.address || !contractWalletCheckDue(data, now, this.#shared.contractWalletRecheckMs)) return;
    const address = data.address;
    const proof = contractWalletProofOf(data.contractWallet);

    let accepted = false;
    if (proof !== undefined && this.#shared.contractWallets !== undefined) {
      try {
        const { chainId, message, signature } = proof;
        ({ valid: accepted } = await this.#shared.contractWallets.verifyContractSignature({ chainId, address, message, signature }));
      } catch (error) {
        // The RPC could not decide: nothing is known against the session.
        if (isChainError(error, 'rpc_unavailable')) return;
        accepted = false;
      }
    }
    if (accepted) {
      data.contractWallet = { ...proof!, checkedAt: now } satisfies ContractWalletProof;
      return;
    }
    const storeKey = this.storeKey;
    if (storeKey !== undefined) {
      await this.#destroy(storeKey);
      await this.#shared.events.publish({ address, storeKey });
    }
    this.#ctx.session = null;
    throw new ApiError('unauthenticated', 'Not signed in: the contract wallet no longer accepts this sign-in (its owners may have changed); sign in again.');
  }

  /** Notes that the session was used now: lastSeenAt to the minute, and a save when one is due (the layer calls it for every request). */
  touch(): void {
    const data = this.#ctx.session;
    if (!data) return;
    const now = this.#shared.clock.now();
    const loaded = this.#record.loaded;
    // koa-session saves a changed session by itself; an unchanged one only when told.
    if (loaded !== undefined && now - loaded.storedAt >= this.#shared.refreshMs) data._requireSave = true;
    if (!data.address) return;
    if (data.lastSeenAt === undefined || now - data.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) data.lastSeenAt = now;
  }

  /**
   * Logout: a signed-in session is deleted from the store, then its end is announced (to the
   * live-session sockets of every instance); the cookie is cleared either way. Returns the address
   * that was signed in, if any.
   */
  async end(): Promise<string | undefined> {
    const address = this.address;
    const storeKey = this.storeKey;
    if (address !== undefined && storeKey !== undefined) {
      await this.#destroy(storeKey);
      await this.#shared.events.publish({ address, storeKey });
    }
    // koa-session clears the cookie, and deletes a session not deleted above (a pre-login one).
    this.#ctx.session = null;
    return address;
  }

  /**
   * Ends the signed-in address's session `storeKey` (this one or another): deleted, then announced.
   * Returns false, changing nothing, when it is not one of that address's live sessions.
   */
  async revoke(storeKey: string): Promise<boolean> {
    const address = this.#requireAddress();
    const owned = (await this.#shared.store.listFor(address)).some((session) => session.id === storeKey);
    if (!owned) return false;
    await this.#destroy(storeKey);
    if (storeKey === this.storeKey) this.#ctx.session = null;
    await this.#shared.events.publish({ address, storeKey });
    return true;
  }

  /** Ends every session of the signed-in address, this one included; returns how many were live. */
  async endAll(): Promise<number> {
    const address = this.#requireAddress();
    const revoked = await this.#shared.store.destroyAllFor(address);
    // This session was among them: koa-session only clears the cookie.
    this.#record.deleted = this.storeKey;
    this.#ctx.session = null;
    await this.#shared.events.publish({ address });
    return revoked;
  }

  /** The signed-in address's live sessions, in no particular order. */
  async list(): Promise<ListedSession[]> {
    const address = this.#requireAddress();
    const current = this.storeKey;
    return (await this.#shared.store.listFor(address)).map(({ id, data, expiresAt }) => ({
      id,
      createdAt: numberOrNull(data.createdAt),
      lastSeenAt: numberOrNull(data.lastSeenAt) ?? numberOrNull(data.createdAt),
      expiresAt: Math.min(expiresAt, numberOrNull(data.absoluteExpiresAt) ?? Infinity),
      userAgent: typeof data.userAgent === 'string' ? data.userAgent : null,
      current: id === current,
    }));
  }

  /** This session's outstanding challenges, oldest first; anything malformed in the stored data is left out. */
  #outstanding(): OutstandingChallenge[] {
    const stored = this.#ctx.session?.challenges;
    if (!Array.isArray(stored)) return [];
    return stored.flatMap((entry: unknown): OutstandingChallenge[] => {
      // A bare sid: written before challenges recorded the address asked for.
      if (typeof entry === 'string') return [{ sid: entry }];
      const { sid, address } = (entry ?? {}) as Record<string, unknown>;
      if (typeof sid !== 'string') return [];
      return [typeof address === 'string' ? { sid, address } : { sid }];
    });
  }

  #data(): KoaSession {
    const data = this.#ctx.session;
    if (!data) throw new Error('this request ended its session already');
    return data;
  }

  #requireAddress(): string {
    const address = this.address;
    if (address === undefined) throw new ApiError('unauthenticated', 'Not signed in.');
    return address;
  }

  async #destroy(storeKey: string): Promise<void> {
    await this.#shared.store.destroy(storeKey);
    this.#record.deleted = storeKey;
  }
}

/**
 * The session layer: koa-session over `options.store`, and `ctx.state.session` for the routes
 * after it.
 */
export function createSessionLayer(app: Koa, options: SessionLayerOptions): Koa.Middleware<SessionState> {
  const { store, clock } = options;
  const shared: Shared = {
    ...options,
    refreshMs: Math.min(SESSION_REFRESH_MS, options.idleMs / 10),
    contractWalletRecheckMs: options.contractWalletRecheckMs ?? 3_600_000,
  };
  const fingerprintOf = (key: string, data: SessionData): string =>
    `${key} ${JSON.stringify(data, (name, value: unknown) => (name === '_expire' || name === '_storedAt' ? undefined : value))}`;
  // The store's TTL is the idle timeout on our clock (koa-session's own maxAge argument carries a
  // 10 s margin and its expiry check uses the wall clock), capped by the absolute timeout.
  const remaining = (data: SessionData): number => {
    const absolute = typeof data.absoluteExpiresAt === 'number' ? data.absoluteExpiresAt - clock.now() : Infinity;
    return Math.min(options.idleMs, absolute);
  };

  // koa-session makes one per request (`new ContextStore(ctx)`), and with it that request's Session.
  class ContextStore {
    readonly #record: RequestRecord = {};

    constructor(ctx: Koa.Context) {
      ctx.state.session = new Session(ctx, this.#record, shared);
    }

    async get(id: string): Promise<SessionData | undefined> {
      const key = sessionStoreKey(id);
      const data = await store.get(key);
      if (data) {
        const storedAt = typeof data._storedAt === 'number' ? data._storedAt : -Infinity;
        this.#record.loaded = { key, fingerprint: fingerprintOf(key, data), storedAt };
      }
      return data;
    }

    async set(id: string, data: SessionData): Promise<void> {
      const record = this.#record;
      const key = sessionStoreKey(id);
      const fingerprint = fingerprintOf(key, data);
      if (record.written === fingerprint) return;
      const now = clock.now();
      // A save of the key this request loaded is an update, which fails if the session was
      // deleted meanwhile: a logout racing this request never revives it.
      const loaded = record.loaded?.key === key ? record.loaded : undefined;
      if (loaded !== undefined && loaded.fingerprint === fingerprint && now - loaded.storedAt < shared.refreshMs) return;
      record.written = fingerprint;
      const ttl = remaining(data);
      if (ttl <= 0) return void (await store.destroy(key));
      const stored = { ...data, _storedAt: now };
      if (loaded !== undefined) return void (await store.update(key, stored, ttl));
      // A sign-in's new session (regenerate() gives it a key never loaded) carries its entry,
      // and deletes the pre-login session in the same write.
      const { audit, replaces } = record;
      await store.set(key, stored, ttl, audit, replaces);
      record.audit = undefined;
      record.replaces = undefined;
      if (replaces !== undefined) record.deleted = replaces;
    }

    async destroy(id: string): Promise<void> {
      const key = sessionStoreKey(id);
      // Only what this request loaded is in the store (a new session's id never was), and a
      // session a verb deleted itself is not deleted twice.
      if (key !== this.#record.loaded?.key || key === this.#record.deleted) return;
      // regenerate() at sign-in: the new session's write deletes it (set's `replaces`).
      if (this.#record.audit !== undefined) {
        this.#record.replaces = key;
        return;
      }
      await store.destroy(key);
      this.#record.deleted = key;
    }
  }

  const sessionOptions = {
    key: options.cookieName,
    maxAge: options.idleMs,
    // Saved when changed or due (touch), not at every request.
    rolling: false,
    httpOnly: true,
    signed: true,
    secure: options.secure,
    domain: options.domain,
    sameSite: 'lax',
    genid: () => Buffer.from(options.random(32)).toString('base64url'),
    valid: (_ctx: unknown, data: SessionData) => typeof data.absoluteExpiresAt !== 'number' || data.absoluteExpiresAt > clock.now(),
    ContextStore,
  };
  const koaSession = createSession(sessionOptions, app);

  return (ctx, next) =>
    koaSession(ctx, async () => {
      await ctx.state.session.recheckContractWallet();
      ctx.state.session.touch();
      await next();
    });
}

/**
 * Whether a stored session is a contract wallet's whose chain check is due (or cannot be read):
 * the session layer then asks the chain before the request goes on. For readers outside the
 * layer (forward auth), which must not vouch for such a session without that check.
 */
export function contractWalletCheckDue(data: Pick<SessionFields, 'address' | 'method' | 'contractWallet'>, now: number, recheckMs: number): boolean {
  if (methodOf(data.method) === 'eoa') return false;
  const proof = contractWalletProofOf(data.contractWallet);
  return proof === undefined || now - proof.checkedAt >= recheckMs;
}

/** A stored method; anything else (absent: signed in before methods were kept) is a key pair's. */
function methodOf(value: unknown): SignInMethod {
  return SIGN_IN_METHODS.includes(value as SignInMethod) ? (value as SignInMethod) : 'eoa';
}

/** The stored contract-wallet login, or undefined when it is absent or damaged. */
function contractWalletProofOf(value: unknown): ContractWalletProof | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { chainId, message, signature, checkedAt } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(chainId) || typeof message !== 'string' || typeof signature !== 'string' || typeof checkedAt !== 'number') return undefined;
  return { chainId: chainId as number, message, signature, checkedAt };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
