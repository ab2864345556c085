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
  /**
   * The Chain ID an issued EIP-4361 message names. With `domain`, `uri` and `address` it is what
   * the message was rendered from, checked at login instead of parsing the message again; absent
   * on the JSON form and on challenges stored by an older version.
   */
  chainId?: number;
  /** The address an issued EIP-4361 message names (EIP-55; the zero address: any signer); absent as `chainId` is. */
  address?: string;
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
  /**
   * Creates or replaces the session, live for `ttlMs`. With `audit` (the entry of the sign-in
   * this session is for), the entry is recorded with the write, so that no signed-in session
   * exists without its audit entry (Stores.sessions; how depends on where the audit log is):
   *  - one database holds both (SQLite): one transaction, both written or neither; either
   *    failing rejects the call with nothing written.
   *  - the audit log in PostgreSQL: the session is written, then the entry is queued and
   *    appended with retries (stores/auditQueue.ts); when the queue is full the call rejects
   *    with StoreUnavailableError before anything is written.
   *  - otherwise (Redis sessions, SQLite audit log): the entry is appended first and the session
   *    written only once it is; a session write failing after that leaves the entry (the route
   *    records the failed attempt after it).
   * An ephemeral half alone (Redis) keeps no audit log and refuses `audit`: composeStores pairs
   * it with the durable half's.
   *
   * `replaces` names a session this one replaces (the pre-login one a sign-in rotates away):
   * it is deleted with the write, in the same transaction where the store has them (SQLite), at
   * the same time otherwise. When the call rejects, it may still exist.
   */
  set(id: string, data: SessionData, ttlMs: number, audit?: AuditEntry, replaces?: string): Promise<void>;
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

/**
 * What an authentication attempt was. The `oidc_*` actions are the OpenID Connect provider's:
 * token requests (client authentication included), introspection, revocation, and the
 * interaction steps (login, consent) and end-session.
 */
export type AuditAction =
  | 'login' | 'register' | 'logout' | 'logout_all' | 'revoke'
  | 'oidc_token' | 'oidc_introspection' | 'oidc_revocation' | 'oidc_login' | 'oidc_consent' | 'oidc_end_session';

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

/**
 * The OpenID Connect provider's state (oidc-provider models: sessions, interactions, grants,
 * authorization codes, access and refresh tokens, ...), one JSON payload per model and id. Lives
 * where the sessions do (SQLite or Redis), so every instance shares it. A record is live until
 * its ttl has passed on the injected clock.
 */
export interface OidcStore {
  /**
   * Creates or replaces record `id` of `model`, live for `ttlMs` (> 0). The payload's `grantId`,
   * `uid`, `userCode` and `accountId` (strings, when present) are indexed; its `consumed` (when
   * present) marks it consumed.
   */
  upsert(model: string, id: string, payload: OidcPayload, ttlMs: number): Promise<void>;
  /** The live record's payload (with `consumed` when it was consumed), or undefined. */
  find(model: string, id: string): Promise<OidcPayload | undefined>;
  /** The live record of `model` whose payload has this `uid`. */
  findByUid(model: string, uid: string): Promise<OidcPayload | undefined>;
  /** The live record of `model` whose payload has this `userCode`. */
  findByUserCode(model: string, userCode: string): Promise<OidcPayload | undefined>;
  /**
   * Marks the live record consumed at `consumedAt` (seconds since the epoch, as oidc-provider
   * counts) in one atomic step: of any number of concurrent consumes from any number of
   * processes, exactly one returns true. False when it was consumed already or is not live.
   */
  consume(model: string, id: string, consumedAt: number): Promise<boolean>;
  /** Deletes the record; unknown ids are fine. */
  destroy(model: string, id: string): Promise<void>;
  /** Deletes every record of `model` whose payload's grantId is `grantId`. */
  revokeByGrantId(model: string, grantId: string): Promise<void>;
  /** The live records of `model` whose payload's accountId is `accountId`, in no particular order. */
  listByAccount(model: string, accountId: string): Promise<Array<{ id: string; payload: OidcPayload }>>;
}

/** An oidc-provider model's payload: JSON-safe. */
export type OidcPayload = Record<string, unknown>;

/** How a client authenticates at the token endpoint (no JWT or mTLS methods: secrets are kept hashed). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** A relying party registered with the clients CLI. */
export interface OidcClient {
  clientId: string;
  /** Shown on the sign-in page ("Sign in to <name>"). */
  name: string;
  /** Exact redirect URIs (OAuth 2.0 Security BCP §4.1: compared as strings). */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** `none` for a public client (PKCE required), else how it sends its secret. */
  tokenEndpointAuthMethod: ClientAuthMethod;
  /** SHA-256 of the secret (base64url); absent for a public client. */
  secretHash?: string;
  /** The ID token signing algorithm the client asked for. */
  idTokenSignedResponseAlg: 'ES256' | 'RS256';
  /** Registration time, ms since the epoch. */
  createdAt: number;
}

export interface OidcClientStore {
  /** Registers the client; returns false (changing nothing) when its clientId is taken. */
  add(client: OidcClient): Promise<boolean>;
  get(clientId: string): Promise<OidcClient | undefined>;
  /** Returns false when no such client was registered. */
  remove(clientId: string): Promise<boolean>;
  /** All clients, oldest first. */
  list(): Promise<OidcClient[]>;
}

/** A private signing key of the provider (a JWK with its private part). */
export interface SigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  /** The private JWK (kty, crv/n, d, ...); never published as is. */
  jwk: Record<string, unknown>;
  /** When it was made, ms since the epoch; the newest key of an algorithm signs. */
  createdAt: number;
}

export interface SigningKeyStore {
  /** Keeps `key`; returns false (changing nothing) when its kid is taken. */
  add(key: SigningKey): Promise<boolean>;
  /** Every key, oldest first (createdAt, then kid). */
  list(): Promise<SigningKey[]>;
  /** Returns false when there was no such key. */
  remove(kid: string): Promise<boolean>;
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
  /** The OpenID Connect provider's state: where the sessions live. */
  oidc: OidcStore;
  /** Registered OpenID Connect clients: where the users live. */
  clients: OidcClientStore;
  /** The provider's signing keys: where the users live, so every instance signs with the same ones. */
  signingKeys: SigningKeyStore;
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
  /**
   * Audit entries of accepted sign-ins that are not written yet: waiting in the queue for
   * PostgreSQL (see SessionStore.set). Always 0 where the entry is written with the session.
   */
  auditBacklog(): number;
  /**
   * Closes every backend; first waits, for a bounded time, for the audit entries still queued
   * to be written, and logs in full (level error) any it could not write.
   */
  close(): Promise<void>;
}

/** The short-lived half: in Redis when REDIS_URL is set, else in the SQLite file. */
export type EphemeralStores = Pick<Stores, 'challenges' | 'sessions' | 'oidc' | 'createRateLimiter' | 'check' | 'sweep' | 'close'>;
/** The half kept for good: in PostgreSQL when DATABASE_URL is set, else in the SQLite file. */
export type DurableStores = Pick<Stores, 'users' | 'audit' | 'clients' | 'signingKeys' | 'check' | 'sweep' | 'close'>;

export interface Clock {
  /** ms since the epoch. */
  now(): number;
}
