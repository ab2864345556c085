// Store interfaces: what the API needs from persistence, in narrow async verbs.
// Every implementation (embedded SQLite today; Redis and PostgreSQL later) passes the one
// conformance suite in conformance.ts. Times are ms since the epoch from the injected clock;
// a store never reads the wall clock itself.

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
}

export interface ChallengeStore {
  /**
   * Keeps `challenge` for `ttlMs` (> 0); after that `take` no longer finds it. A challenge with
   * the same sid is replaced (sids are random, so this does not happen in practice).
   */
  put(challenge: StoredChallenge, ttlMs: number): Promise<void>;
  /**
   * Removes and returns the challenge in one atomic step: of any number of concurrent takes of
   * the same sid, from any number of processes, exactly one gets it.
   */
  take(sid: string): Promise<StoredChallenge | undefined>;
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
  /** Live sessions; for gauges and leak checks. */
  count(): Promise<number>;
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

/** The stores one API process runs on. */
export interface Stores {
  challenges: ChallengeStore;
  sessions: SessionStore;
  users: UserStore;
  /** Drops expired rows; called on a timer by main.ts. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export interface Clock {
  /** ms since the epoch. */
  now(): number;
}
