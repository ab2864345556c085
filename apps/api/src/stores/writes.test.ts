// The write tracker behind each store's readiness: a write the service failed to serve marks it
// failing until a write that changed something succeeds; the readiness recheck runs its probe
// only while failing.

import { StoreUnavailableError } from './errors';
import { createWriteTracker } from './writes';

const full = () => Promise.reject(new StoreUnavailableError('sqlite', 'database or disk is full (SQLITE_FULL)'));

test('recheck does not write while no write has failed', async () => {
  const writes = createWriteTracker('sqlite');
  const probe = jest.fn(async () => undefined);
  await writes.track(async () => 'ok');
  await expect(writes.recheck(probe)).resolves.toBeUndefined();
  expect(probe).not.toHaveBeenCalled();
});

test('a failed write makes recheck probe, and fail while the probe fails, naming the failure', async () => {
  const writes = createWriteTracker('sqlite');
  await expect(writes.track(full)).rejects.toBeInstanceOf(StoreUnavailableError);
  const error: unknown = await writes.recheck(full).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as Error).message).toBe('sqlite: writes fail: database or disk is full (SQLITE_FULL)');
  // A probe that succeeds clears it; the next recheck does not probe.
  const probe = jest.fn(async () => undefined);
  await expect(writes.recheck(probe)).resolves.toBeUndefined();
  await expect(writes.recheck(probe)).resolves.toBeUndefined();
  expect(probe).toHaveBeenCalledTimes(1);
});

test('only a write that changed something clears the failure', async () => {
  const writes = createWriteTracker('redis');
  await writes.track(full).catch(() => undefined);
  expect(await writes.track(async () => 0, (changed) => changed > 0)).toBe(0);
  await expect(writes.recheck(full)).rejects.toThrow('writes fail');
  expect(await writes.track(async () => 1, (changed) => changed > 0)).toBe(1);
  await expect(writes.recheck(full)).resolves.toBeUndefined();
});

test('a fault of the call itself (not StoreUnavailableError) neither marks nor clears', async () => {
  const writes = createWriteTracker('postgres');
  const bug = new Error('value too long');
  await expect(writes.track(() => Promise.reject(bug))).rejects.toBe(bug);
  await expect(writes.recheck(full)).resolves.toBeUndefined();
  await writes.track(full).catch(() => undefined);
  await expect(writes.track(() => Promise.reject(bug))).rejects.toBe(bug);
  await expect(writes.recheck(full)).rejects.toThrow('writes fail');
});
