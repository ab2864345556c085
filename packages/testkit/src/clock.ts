// A clock the test sets: every time-dependent behaviour (challenge expiry, session timeouts,
// rate-limit windows) is driven by it, so no test sleeps to make time pass.

/** The clock the API takes as a dependency. */
export interface Clock {
  now(): number;
}

export interface MutableClock extends Clock {
  /** Sets the time, ms since the epoch. */
  set(ms: number): void;
  /** Moves the time forward by `ms` (backward when negative). */
  advance(ms: number): void;
}

/** Returns a clock pinned at `start` (ms since the epoch). */
export function createTestClock(start: number): MutableClock {
  let time = start;
  return {
    now: () => time,
    set: (ms) => {
      time = ms;
    },
    advance: (ms) => {
      time += ms;
    },
  };
}
