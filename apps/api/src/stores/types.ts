// Store interfaces: what the API needs from persistence, in narrow async verbs.
// Every implementation (embedded SQLite; Redis for the short-lived half, PostgreSQL for the
// durable half) passes the one conformance suite in conformance.ts. Times are ms since the epoch
// from the injected clock; a store never reads the wall clock itself.

import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** A challenge as the server keeps it between issuing and login. */
export interface StoredChallenge {
  /** The single-use handle (EIP-4361 Nonce): letters and digits, ≥128 random bits. */
  sid: string;
  /** Issued-at time, ms since the epoch (server clock). */
  timestamp: number;
  /** Expiry shown to the client, ms since the epoch. */
  expiresAt: number;
  /** Rendering of the message. */
  format: 'siwe' | 'json';
  /** The exact text the server issued for signing. */
  message: string;
  /**
   * Server-side secret of the browser session the challenge belongs to. It lives in the session
   * data and here, never in a cookie or a response.
   */
  binding: string;
  /**
   * The EIP-4361 domain (host[:port]) the issued message names. Absent only on a challenge
   * stored by an older version, which did not keep it.
   */
  domain?: string;
  /** The EIP-4361 URI (origin) the issued message names; absent as `domain` is. */
  uri?: string;
}

export interface ChallengeStore {
  /**
   * Keeps `challenge` for `ttlMs` (> 0); after that `take` no longer finds it. A challenge with
   * the same sid is replaced (sids are random, so this does not happen in practice).
   */
  put(challenge: StoredChallenge, ttlMs: number): Promise<void>;
  /**
   * Removes and returns the challenge `sid` if, and only if, its `binding` is `binding`, in one
   * atomic step: of any number of concurrent takes of the same sid with its binding, from any
   * number of processes, exactly one gets it. A take with another binding returns undefined and
   * leaves the challenge for its own session, so knowing a sid is not enough to use it up.
   * A challenge past its ttl is removed by a take with its binding all the same, and reads as
   * undefined.
   */
  take(sid: string, binding: string): Promise<StoredChallenge | undefined>;
  /** Live (unexpired) challenges; for limits and leak checks. */
  count(): Promise<number>;
}

/** Session data as koa-session hands it to its external store, plus our own fields; JSON-safe. */
export interface SessionData {
  /** The signed-in address (EIP-55), absent before login. */
  address?: string;
  [key: string]: unknown;
}

export interface SessionStore {
  /** The session's data, or undefined when unknown or expired. */
  get(id: string): Promise<SessionData | undefined>;
  /** Creates or replaces the session, live for `ttlMs`. */
  set(id: string, data: SessionData, ttlMs: number): Promise<void>;
  /**
   * Replaces the session only if it still exists (is live): a request that read the session
   * before a concurrent logout must not bring it back. Returns whether it was updated.
   */
  update(id: string, data: SessionData, ttlMs: number): Promise<boolean>;
  /** Deletes the session; unknown ids are fine. */
  destroy(id: string): Promise<void>;
  /** Deletes every session bound to `address` (matched exactly); returns how many were live. */
  destroyAllFor(address: string): Promise<number>;
  /** The live sessions bound to `address` (matched exactly), in no particular order. */
  listFor(address: string): Promise<SessionSummary[]>;
  /** Live sessions; for gauges and leak checks. */
  count(): Promise<number>;
}

/** One live session as `listFor` returns it. */
export interface SessionSummary {
  /** The store key (not the cookie's value). */
  id: string;
  data: SessionData;
  /** When the store drops it unless it is touched again, ms since the epoch. */
  expiresAt: number;
}

export interface User {
  /** EIP-55 checksummed address. */
  address: string;
  /** Registration time, ms since the epoch. */
  createdAt: number;
}

export interface UserStore {
  /** Registers `address` (already checksummed); returns false when it was registered before. */
  add(address: string, createdAt: number): Promise<boolean>;
  has(address: string): Promise<boolean>;
  /** Returns false when the address was not registered. */
  remove(address: string): Promise<boolean>;
  /** All users, oldest first. */
  list(): Promise<User[]>;
}

/** What an authentication attempt was. */
export type AuditAction = 'login' | 'register' | 'logout' | 'logout_all' | 'revoke';

/** One authentication attempt, as the audit log keeps it. */
export interface AuditEntry {
  /** When, ms since the epoch. */
  at: number;
  /** What was attempted; 'unknown' only when read back from a newer version's entry. */
  action: AuditAction | 'unknown';
  /** 'ok', or the error code the client was answered with. */
  outcome: string;
  /** The address, when one was recovered or signed in. */
  address?: string;
  /**
   * How the address proved itself, on a sign-in that did: `eoa` (a key pair's signature),
   * `erc1271` or `erc6492` (a contract wallet's, checked on the chain). Absent otherwise, and on
   * entries written before it was kept.
   */
  method?: string;
  /** The client IP (X-Forwarded-For only with TRUST_PROXY). */
  ip: string;
  userAgent?: string;
  /** The API instance that handled it. */
  instance: string;
}

export interface AuditQuery {
  /** Only this address (matched exactly, EIP-55). */
  address?: string;
  /** Only entries at or after this time (ms). */
  since?: number;
  /** Only entries before this time (ms). */
  until?: number;
  outcome?: string;
  /** At most this many, newest first. @default 100 */
  limit?: number;
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** Matching entries, newest first. */
  query(query: AuditQuery): Promise<AuditEntry[]>;
}

/** What a readiness check reports of one backing service. */
export interface DependencyStatus {
  /** 'sqlite', 'redis', 'postgres'. */
  name: string;
  ok: boolean;
  /** Round-trip time of the check, ms. */
  latencyMs?: number;
  /** Why it is not ok; no secrets (no URLs with passwords). */
  error?: string;
}

/** A rate limiter from rate-limiter-flexible, on the store's own backend. */
export interface RateLimiterOptions {
  /** Namespaces the counters (e.g. 'ip', 'address'). */
  keyPrefix: string;
  /** Allowed hits per window. */
  points: number;
  /** Window length, seconds. */
  duration: number;
}

/** The stores one API process runs on. */
export interface Stores {
  challenges: ChallengeStore;
  sessions: SessionStore;
  users: UserStore;
  audit: AuditStore;
  /**
   * A rate limiter whose counters live where the sessions do (memory-safe and shared across
   * processes: SQLite file or Redis).
   */
  createRateLimiter(options: RateLimiterOptions): RateLimiterAbstract;
  /**
   * Pings every backing service, for /readyz. A service whose latest write failed to be served
   * (a full disk, a read-only file or server) is reported not ok, even while it answers pings,
   * until a write succeeds again: while it is failing, the check retries one small write itself.
   * Never throws.
   */
  check(): Promise<DependencyStatus[]>;
  /** Drops expired rows; called on a timer by main.ts. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

/** The short-lived half: in Redis when REDIS_URL is set, else in the SQLite file. */
export type EphemeralStores = Pick<Stores, 'challenges' | 'sessions' | 'createRateLimiter' | 'check' | 'sweep' | 'close'>;
/** The half kept for good: in PostgreSQL when DATABASE_URL is set, else in the SQLite file. */
export type DurableStores = Pick<Stores, 'users' | 'audit' | 'check' | 'sweep' | 'close'>;

export interface Clock {
  /** ms since the epoch. */
  now(): number;
}
