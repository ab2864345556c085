// Session events: how every instance learns that a session ended somewhere, so the live-session
// WebSockets it holds can tell their pages at once. Events are hints for prompt delivery; the
// session store stays the truth (a socket re-checks its session before acting on an
// address-wide event, and on a timer).

/** A signed-in session, or every session of an address, has ended (logout, revoke, logout-all). */
export interface SignedOutEvent {
  /** The address that was signed in (EIP-55). */
  address: string;
  /**
   * Store key (SHA-256 of the cookie id) of the one session that ended. Absent: every session of
   * `address` ended, or may have (logout-all, the user was removed).
   */
  storeKey?: string;
}

export interface SessionEvents {
  /**
   * Tells every instance, this one included, after the session is gone from the store. Never
   * rejects: a lost event only delays the sockets until their next re-check.
   */
  publish(event: SignedOutEvent): Promise<void>;
  /** Calls `listener` for every event from any instance; returns the unsubscribe function. */
  subscribe(listener: (event: SignedOutEvent) => void): () => void;
  close(): Promise<void>;
}

/** The event if `value` is a well-formed one (it may come from another process), else undefined. */
export function parseSignedOutEvent(value: unknown): SignedOutEvent | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { address, storeKey } = value as Record<string, unknown>;
  if (typeof address !== 'string' || address === '') return undefined;
  if (storeKey === undefined) return { address };
  if (typeof storeKey !== 'string' || storeKey === '') return undefined;
  return { address, storeKey };
}
