// Rate limits (rate-limiter-flexible, counters on the stores' backend so every instance shares
// them): requests per client IP on the sign-in endpoints, and failed sign-ins per recovered
// address. Over a limit the answer is 429 rate_limited with Retry-After.
// Failures count only against the address a signature proves, never an address a client merely
// names, so nobody can lock another person out by failing in their name.
//
// A server that is the only process on its stores (the embedded SQLite store, no WORKERS) counts
// requests per IP in its own memory instead: nothing else could read the counters, and a count
// per request would be a file write on the event loop, twice a login. What it gives up is the
// count of the current minute across a restart. Failures per address stay in the store either
// way: they are written only on a failure, and an hour's count must survive a restart.

import type { Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ApiError } from '../errors';
import { StoreUnavailableError } from '../stores/errors';
import type { Stores } from '../stores/types';

export interface RateLimitOptions {
  /** Challenge, login and register requests per client IP per minute. */
  ipPerMinute: number;
  /** Failed sign-ins per recovered address per hour. */
  addressFailuresPerHour: number;
  /**
   * Whether requests per IP are counted in this process's memory: only when it is the one
   * process on its stores (embedded SQLite, WORKERS=1).
   * @default false: in the stores, shared with every process on them
   */
  ipInProcess?: boolean;
}

export interface RateLimits {
  /** Counts one request against the client IP (`ctx.ip`: X-Forwarded-For only with TRUST_PROXY). */
  perIp: Middleware;
  /** Throws rate_limited when `address` has used up its failures. */
  checkAddress(address: string): Promise<void>;
  /** Counts one failed sign-in against `address`. */
  failAddress(address: string): Promise<void>;
}

export function createRateLimits(stores: Pick<Stores, 'createRateLimiter'>, options: RateLimitOptions): RateLimits {
  const ipOptions = { keyPrefix: 'ip', points: options.ipPerMinute, duration: 60 };
  const ip = options.ipInProcess ? new RateLimiterMemory(ipOptions) : stores.createRateLimiter(ipOptions);
  const failures = stores.createRateLimiter({ keyPrefix: 'addrfail', points: options.addressFailuresPerHour, duration: 3600 });

  return {
    perIp: async (ctx, next) => {
      await limit(ip, ctx.ip || 'unknown', 'Too many sign-in requests from your network');
      await next();
    },
    async checkAddress(address) {
      const state = await call(() => failures.get(address));
      if (state !== null && state.consumedPoints >= options.addressFailuresPerHour) {
        throw refusal('Too many failed sign-ins for this address', state.msBeforeNext);
      }
    },
    async failAddress(address) {
      await limit(failures, address, 'Too many failed sign-ins for this address').catch((error: unknown) => {
        // Counting the failure that crossed the line is not itself an error to report.
        if (!(error instanceof ApiError && error.code === 'rate_limited')) throw error;
      });
    },
  };
}

async function limit(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw refusal(what, error.msBeforeNext);
    throw unavailable(error);
  }
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw unavailable(error);
  }
}

function refusal(what: string, msBeforeNext: number): ApiError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new ApiError('rate_limited', `${what}; try again in ${seconds} s.`, { retryAfterSeconds: seconds });
}

/** A limiter whose store failed: 503 with Retry-After, as for every other store failure. */
function unavailable(cause: unknown): Error {
  if (cause instanceof StoreUnavailableError) return cause;
  return new ApiError('service_unavailable', 'The service is temporarily unavailable; try again shortly.', { cause, retryAfterSeconds: 1 });
}
