// Whether a backing service still takes writes. A service can answer every ping and every read
// while each write fails: a full disk (SQLITE_FULL, PostgreSQL 53100 disk_full, Redis MISCONF or
// OOM), a file or server turned read-only. Each store runs its writes through a tracker, and its
// readiness check (/readyz) reports the service as not ready from a write that failed to be
// served until a write succeeds again. While it is failing the check retries one small write
// itself, so an instance a load balancer took out of rotation (and so gets no writes) notices on
// its own when the disk has room again.

import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { describeFailure, StoreUnavailableError } from './errors';

export interface WriteTracker {
  /**
   * Runs `write` and notes its outcome. A failure to serve (StoreUnavailableError) marks the
   * service as failing writes; a success clears that, unless `wrote` says the call changed
   * nothing (a delete that finds nothing succeeds even on a full disk, so it proves nothing).
   * Other failures (a fault of the call itself) change nothing. Resolves or rejects as `write`.
   */
  track<T>(write: () => Promise<T>, wrote?: (result: T) => boolean): Promise<T>;
  /**
   * For the readiness check: resolves at once when writes are not failing; otherwise runs
   * `probe` (a write that always changes something) through `track`, and rejects with a
   * StoreUnavailableError saying writes fail when it fails too.
   */
  recheck(probe: () => Promise<unknown>): Promise<void>;
}

/** A tracker for the writes of `service` ('sqlite', 'redis', 'postgres'). */
export function createWriteTracker(service: string): WriteTracker {
  let failure: StoreUnavailableError | undefined;
  const track = async <T>(write: () => Promise<T>, wrote: (result: T) => boolean = () => true): Promise<T> => {
    let result: T;
    try {
      result = await write();
    } catch (error) {
      if (error instanceof StoreUnavailableError) failure = error;
      throw error;
    }
    if (wrote(result)) failure = undefined;
    return result;
  };
  return {
    track,
    async recheck(probe) {
      if (failure === undefined) return;
      try {
        await track(probe);
      } catch (error) {
        throw new StoreUnavailableError(service, `writes fail: ${describeFailure(error)}`, { cause: error });
      }
    },
  };
}

/** The rate limiter calls that only read their counter; every other call writes it. */
const LIMITER_READS = new Set<PropertyKey>(['get']);
const LIMITER_WRITES = new Set<PropertyKey>(['consume', 'penalty', 'reward', 'set', 'block', 'delete']);

export interface GuardRateLimiterOptions {
  /** Turns a store failure into the error to throw (StoreUnavailableError → 503). */
  classify: (error: unknown) => unknown;
  /** Where the limiter's writes are noted, with the store's own. */
  writes: WriteTracker;
}

/**
 * `limiter` with every store failure passed through `classify` and every counter write noted in
 * `writes`. A refusal (a RateLimiterRes rejection) passes through unchanged: it is an answer, and
 * the counter was written. The limiter's own internals run on the limiter itself, unguarded.
 */
export function guardRateLimiter<L extends RateLimiterAbstract>(limiter: L, { classify, writes }: GuardRateLimiterOptions): L {
  const settle = (call: () => Promise<unknown>): Promise<{ answer: unknown; refused: boolean }> =>
    call().then(
      (answer) => ({ answer, refused: false }),
      (error: unknown) => (error instanceof RateLimiterRes ? { answer: error, refused: true } : Promise.reject(classify(error))),
    );
  return new Proxy(limiter, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || !(LIMITER_READS.has(name) || LIMITER_WRITES.has(name))) return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const run = () => settle(() => method.apply(target, args));
        const { answer, refused } = LIMITER_WRITES.has(name) ? await writes.track(run) : await run();
        if (refused) throw answer;
        return answer;
      };
    },
  });
}
