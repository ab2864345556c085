// Where the per-IP counts live: in the stores (shared by every process on them), or in this
// process's memory when it is the only one (ipInProcess); failures per address are always in
// the stores.

import type { Context } from 'koa';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ApiError } from '../errors';
import type { RateLimiterOptions } from '../stores/types';
import { createRateLimits } from './rateLimit';

/** Stores whose limiters count in memory, each one kept by its key prefix to look at. */
function countingStores() {
  const made = new Map<string, RateLimiterAbstract>();
  return {
    made,
    createRateLimiter(options: RateLimiterOptions): RateLimiterAbstract {
      const limiter = new RateLimiterMemory(options);
      made.set(options.keyPrefix, limiter);
      return limiter;
    },
  };
}

const request = (ip: string) => ({ ip }) as Context;
const next = async () => {};

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof ApiError ? error.code : 'other';
  }
}

test.each([false, true])('ipInProcess %p: the limit holds per IP, and the 4th request of the minute is rate_limited', async (ipInProcess) => {
  const stores = countingStores();
  const limits = createRateLimits(stores, { ipPerMinute: 3, addressFailuresPerHour: 5, ipInProcess });
  for (let i = 0; i < 3; i += 1) expect(await codeOf(limits.perIp(request('203.0.113.7'), next))).toBeUndefined();
  expect(await codeOf(limits.perIp(request('203.0.113.7'), next))).toBe('rate_limited');
  expect(await codeOf(limits.perIp(request('203.0.113.8'), next))).toBeUndefined();
  // In memory, the stores were never asked for an IP limiter; otherwise theirs did the counting.
  expect(stores.made.has('ip')).toBe(!ipInProcess);
  if (!ipInProcess) expect((await stores.made.get('ip')!.get('203.0.113.7'))?.consumedPoints).toBe(4);
});

test('failures per address are counted in the stores even with ipInProcess', async () => {
  const stores = countingStores();
  const limits = createRateLimits(stores, { ipPerMinute: 3, addressFailuresPerHour: 2, ipInProcess: true });
  const address = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
  await limits.failAddress(address);
  expect(await codeOf(limits.checkAddress(address))).toBeUndefined();
  await limits.failAddress(address);
  expect(await codeOf(limits.checkAddress(address))).toBe('rate_limited');
  expect((await stores.made.get('addrfail')!.get(address))?.consumedPoints).toBe(2);
});
