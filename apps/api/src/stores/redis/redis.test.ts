// The conformance suite against the Redis stores (sessions, challenges, rate limits; users and
// the audit log on a SQLite file beside them), on the local Redis, each test under its own key
// prefix. Plus what only Redis has: key layout and TTLs, prefixes keeping deployments apart,
// corrupt values, batches, and what happens when Redis goes away and comes back.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { createHarness, testStores } from '../../../test/stores/conformance';
import { StoreUnavailableError } from '../errors';
import { composeStores } from '../open';
import { openSqliteStores } from '../sqlite';
import type { EphemeralStores, SessionData, StoredChallenge } from '../types';
import { startFaultProxy, type FaultProxy } from '../../../test/support/faultProxy';
import { startPrivateRedis } from '../../../test/support/privateRedis';
import { simulateDiskFull } from '../../../test/support/diskFull';
import { connectTestRedis, deleteRedisKeys, TEST_REDIS_URL, uniqueName, timed, until } from '../../../test/support/services';
import { openRedisStores } from './index';
import { createTestClock, type MutableClock } from '@wallet-login/testkit';

const START = 1_735_689_600_000;
const TTL = 60_000;
const ALICE = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';

let admin: Redis;
beforeAll(async () => {
  admin = await connectTestRedis();
});
afterAll(async () => {
  await admin?.quit();
});

function createTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-redis-'));
}

testStores('Redis stores (users and audit on SQLite)', async ({ clock }) => {
  const prefix = `${uniqueName('wltest')}:`;
  const dir = createTempDir();
  return createHarness(
    async () => composeStores(
      await openRedisStores({ url: TEST_REDIS_URL, prefix, clock, timeoutMs: 2000 }),
      openSqliteStores({ file: path.join(dir, 'durable.sqlite'), clock }),
    ),
    async () => {
      await deleteRedisKeys(admin, prefix);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  );
}, {
  // The audit log is in the SQLite file: its inserts are the ones to fail.
  signIn: { mode: 'audit-first', failAudit: () => simulateDiskFull({ statements: /^\s*INSERT INTO audit\b/ }) },
});

function createChallenge(sid: string): StoredChallenge {
  return { sid, timestamp: START, expiresAt: START + TTL, format: 'json', message: `{"sid":"${sid}"}`, binding: 'b' };
}

describe('Redis specifics', () => {
  let prefix: string;
  let clock: MutableClock;
  const opened: EphemeralStores[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(() => {
    prefix = `${uniqueName('wltest')}:`;
    clock = createTestClock(START);
  });
  afterEach(async () => {
    for (const stores of opened.splice(0)) await stores.close();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await deleteRedisKeys(admin, prefix);
  });
  async function open(options: { url?: string; timeoutMs?: number } = {}): Promise<EphemeralStores> {
    const stores = await openRedisStores({ url: options.url ?? TEST_REDIS_URL, prefix, clock, timeoutMs: options.timeoutMs ?? 2000 });
    opened.push(stores);
    return stores;
  }
  async function proxy(): Promise<FaultProxy> {
    const started = await startFaultProxy({ target: { host: '127.0.0.1', port: 6379 } });
    cleanups.push(() => started.close());
    return started;
  }

  test('keeps every key under its prefix, with Redis TTLs on the entries', async () => {
    const stores = await open();
    await stores.challenges.put(createChallenge('c1'), TTL);
    await stores.sessions.set('s1', { address: ALICE }, 2 * TTL);
    const keys = (await admin.keys(`${prefix}*`)).sort();
    expect(keys).toStrictEqual([`${prefix}a:${ALICE}`, `${prefix}c:c1`, `${prefix}challenges`, `${prefix}sessions`, `${prefix}s:s1`].sort());
    for (const key of [`${prefix}c:c1`, `${prefix}s:s1`, `${prefix}a:${ALICE}`]) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(key.includes(':c:') ? TTL : 2 * TTL);
    }
  });

  test('deployments under different prefixes do not see each other', async () => {
    const stores = await open();
    const otherPrefix = `${uniqueName('wltest')}:`;
    cleanups.push(() => deleteRedisKeys(admin, otherPrefix));
    const other = await openRedisStores({ url: TEST_REDIS_URL, prefix: otherPrefix, clock, timeoutMs: 2000 });
    opened.push(other);
    await stores.challenges.put(createChallenge('c1'), TTL);
    await stores.sessions.set('s1', { address: ALICE }, TTL);
    expect(await other.challenges.take('c1', 'b')).toBeUndefined();
    expect(await other.sessions.get('s1')).toBeUndefined();
    expect(await other.sessions.destroyAllFor(ALICE)).toBe(0);
    expect(await other.sessions.count()).toBe(0);
    expect(await stores.challenges.take('c1', 'b')).toStrictEqual(createChallenge('c1'));
    expect(await stores.sessions.get('s1')).toStrictEqual({ address: ALICE });
  });

  test('treats corrupt values as absent instead of throwing', async () => {
    const stores = await open();
    const corrupt = ['{not json', '[]', 'null', '42', '{"x":"soon","c":{}}', `{"x":${START + TTL},"c":{"sid":"other"}}`];
    // Corrupt, but with the binding the takes below name: taken, and read as absent.
    const bound = ['{"x":"soon","c":{"binding":"b"}}', `{"x":${START + TTL},"c":{"sid":"other","binding":"b"}}`, '{"c":{"binding":"b"}}'];
    for (const [i, value] of bound.entries()) {
      await admin.set(`${prefix}c:bound${i}`, value);
      await admin.zadd(`${prefix}challenges`, START + TTL, `bound${i}`);
    }
    for (const [i, value] of corrupt.entries()) {
      await admin.set(`${prefix}c:bad${i}`, value);
      await admin.zadd(`${prefix}challenges`, START + TTL, `bad${i}`);
      await admin.hset(`${prefix}s:bad${i}`, 'x', String(START + TTL), 'd', value);
    }
    await admin.hset(`${prefix}s:noexpiry`, 'd', '{}');
    await admin.set(`${prefix}s:string`, '{}');
    for (let i = 0; i < corrupt.length; i += 1) {
      await expect(stores.challenges.take(`bad${i}`, 'b')).resolves.toBeUndefined();
    }
    for (let i = 0; i < bound.length; i += 1) {
      await expect(stores.challenges.take(`bound${i}`, 'b')).resolves.toBeUndefined();
    }
    const sessions = await Promise.all(corrupt.map((_, i) => stores.sessions.get(`bad${i}`)));
    const absent = undefined;
    // '{"x":"soon","c":{}}' and the next one are valid JSON objects, so valid (if odd) sessions.
    expect(sessions).toStrictEqual([absent, absent, absent, absent, { x: 'soon', c: {} }, { x: START + TTL, c: { sid: 'other' } }]);
    expect(await stores.sessions.get('noexpiry')).toBeUndefined();
    expect(await stores.sessions.get('string')).toBeUndefined();
    expect(await stores.sessions.update('string', { binding: 'b' }, TTL)).toBe(false);
    expect(await admin.get(`${prefix}s:string`)).toBe('{}');
    // A bad challenge with the binding is consumed; one without any is no one's, and left to sweep.
    expect(await admin.exists(...bound.map((_, i) => `${prefix}c:bound${i}`))).toBe(0);
    expect(await admin.exists(...corrupt.map((_, i) => `${prefix}c:bad${i}`))).toBe(corrupt.length);
    expect(await stores.challenges.count()).toBe(corrupt.length);
    clock.advance(TTL);
    await stores.sweep();
    expect(await admin.exists(...corrupt.map((_, i) => `${prefix}c:bad${i}`))).toBe(0);
  });

  test('sweep and destroyAllFor work through more entries than one batch', async () => {
    const stores = await open();
    for (let i = 0; i < 1100; i += 1) await stores.challenges.put(createChallenge(`c${i}`), i < 1050 ? TTL : 2 * TTL);
    for (let i = 0; i < 620; i += 1) await stores.sessions.set(`s${i}`, { address: ALICE }, TTL);
    expect(await stores.sessions.listFor(ALICE)).toHaveLength(620);
    expect(await stores.sessions.destroyAllFor(ALICE)).toBe(620);
    expect(await stores.sessions.count()).toBe(0);
    clock.advance(TTL);
    await stores.sweep();
    expect(await admin.zcard(`${prefix}challenges`)).toBe(50);
    expect(await admin.exists(`${prefix}c:c0`, `${prefix}c:c1049`)).toBe(0);
    expect(await admin.exists(`${prefix}c:c1050`)).toBe(1);
    expect(await admin.exists(`${prefix}a:${ALICE}`)).toBe(0);
  });

  test('listFor drops index entries of sessions that are gone or bound to someone else', async () => {
    const stores = await open();
    const signedIn: SessionData = { address: ALICE };
    await stores.sessions.set('s1', signedIn, TTL);
    await stores.sessions.set('s2', signedIn, TTL);
    await stores.sessions.set('s3', signedIn, TTL);
    await stores.sessions.destroy('s1');
    await stores.sessions.set('s2', { binding: 'signed out' }, TTL);
    expect((await stores.sessions.listFor(ALICE)).map((s) => s.id)).toStrictEqual(['s3']);
    expect(await admin.zrange(`${prefix}a:${ALICE}`, '0', '-1')).toStrictEqual(['s3']);
  });

  test('refuses to open, quickly and without the password, when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await timed(open({ url: `redis://user:s3cret-pass@127.0.0.1:${port}`, timeoutMs: 500 }));
    expect(result.error).toBeInstanceOf(StoreUnavailableError);
    expect(String((result.error as Error).message)).toContain(`redis://127.0.0.1:${port}`);
    expect(String((result.error as Error).message)).not.toContain('s3cret');
    expect(result.ms).toBeLessThan(1000);
  });

  test('refuses to open within the timeout when the server does not answer', async () => {
    const silent = await proxy();
    silent.hang();
    const result = await timed(open({ url: `redis://127.0.0.1:${silent.port}`, timeoutMs: 300 }));
    expect(result.error).toBeInstanceOf(StoreUnavailableError);
    expect(result.ms).toBeLessThan(1000);
  });

  test('while Redis is cut off every call fails fast as unavailable, and works again once it is back', async () => {
    const link = await proxy();
    const stores = await open({ url: `redis://127.0.0.1:${link.port}`, timeoutMs: 500 });
    await stores.sessions.set('s1', { address: ALICE }, TTL);
    const limiter = stores.createRateLimiter({ keyPrefix: 'ip', points: 5, duration: 60 });

    await link.cut();
    const calls = [
      stores.sessions.get('s1'),
      stores.sessions.set('s2', {}, TTL),
      stores.sessions.update('s1', {}, TTL),
      stores.sessions.destroy('s1'),
      stores.sessions.destroyAllFor(ALICE),
      stores.sessions.listFor(ALICE),
      stores.sessions.count(),
      stores.challenges.put(createChallenge('c1'), TTL),
      stores.challenges.take('c1', 'b'),
      stores.challenges.count(),
      stores.sweep(),
      limiter.consume('203.0.113.7'),
    ];
    for (const result of await Promise.all(calls.map(timed))) {
      expect(result.error).toBeInstanceOf(StoreUnavailableError);
      expect(result.error).not.toBeInstanceOf(RateLimiterRes);
      expect(result.ms).toBeLessThan(600);
    }
    expect(await stores.check()).toStrictEqual([{ name: 'redis', ok: false, latencyMs: expect.any(Number), error: expect.any(String) }]);

    await link.restore();
    const recoveredIn = await until(() => stores.sessions.get('s1'), 3000);
    expect(recoveredIn).toBeLessThan(3000);
    expect(await stores.sessions.get('s1')).toStrictEqual({ address: ALICE });
    await expect(limiter.consume('203.0.113.7')).resolves.toMatchObject({ remainingPoints: 4 });
    expect(await stores.check()).toStrictEqual([{ name: 'redis', ok: true, latencyMs: expect.any(Number) }]);
  });

  test('while Redis does not answer, calls fail as unavailable within the timeout, and recover', async () => {
    const link = await proxy();
    const stores = await open({ url: `redis://127.0.0.1:${link.port}`, timeoutMs: 300 });
    await stores.sessions.set('s1', { address: ALICE }, TTL);
    link.hang();
    const results = await Promise.all([stores.sessions.get('s1'), stores.challenges.take('c1', 'b'), stores.sessions.listFor(ALICE)].map(timed));
    for (const result of results) {
      expect(result.error).toBeInstanceOf(StoreUnavailableError);
      expect(result.ms).toBeGreaterThanOrEqual(250);
      expect(result.ms).toBeLessThan(700);
    }
    await link.restore();
    await until(() => stores.sessions.get('s1'), 3000);
    expect(await stores.sessions.get('s1')).toStrictEqual({ address: ALICE });
  });

  test('a logout during an outage stays failed: the session is not destroyed behind the caller\'s back, nor revived', async () => {
    const link = await proxy();
    const stores = await open({ url: `redis://127.0.0.1:${link.port}`, timeoutMs: 500 });
    const direct = await open();
    await stores.sessions.set('s1', { address: ALICE }, TTL);
    await link.cut();
    await expect(stores.sessions.destroy('s1')).rejects.toBeInstanceOf(StoreUnavailableError);
    // The session is as it was: the caller heard 503 and may retry.
    expect(await direct.sessions.get('s1')).toStrictEqual({ address: ALICE });
    await direct.sessions.destroy('s1');
    await link.restore();
    await until(() => stores.sessions.count(), 3000);
    expect(await stores.sessions.update('s1', { address: ALICE }, TTL)).toBe(false);
    expect(await stores.sessions.get('s1')).toBeUndefined();
  });

  test('alone, the Redis session store refuses an audit entry: composeStores records it, with the durable half', async () => {
    const stores = await open();
    const entry = { at: START, action: 'login' as const, outcome: 'ok', address: ALICE, ip: '::1', instance: 'api-1' };
    await expect(stores.sessions.set('s1', { address: ALICE }, TTL, entry)).rejects.toThrow('the Redis session store cannot record audit entries; compose it with a durable half (composeStores)');
    expect(await stores.sessions.get('s1')).toBeUndefined();
  });

  test('with the audit log on SQLite a sign-in\'s entry is written first: Redis failing after it leaves the entry, never a session without one', async () => {
    const link = await proxy();
    const redisStores = await open({ url: `redis://127.0.0.1:${link.port}`, timeoutMs: 300 });
    const dir = createTempDir();
    const sqlite = openSqliteStores({ file: path.join(dir, 'durable.sqlite'), clock });
    cleanups.push(async () => {
      await sqlite.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const stores = composeStores(redisStores, sqlite);
    const entry = { at: START, action: 'login' as const, outcome: 'ok', address: ALICE, ip: '::1', instance: 'api-1' };
    await link.cut();
    await expect(stores.sessions.set('s1', { address: ALICE }, TTL, entry)).rejects.toBeInstanceOf(StoreUnavailableError);
    // Over-recorded, never under: the route records the failed attempt after it.
    expect(await stores.audit.query({})).toStrictEqual([entry]);
    await link.restore();
    await until(() => redisStores.sessions.get('s1'), 3000);
    expect(await stores.sessions.get('s1')).toBeUndefined();
    expect(await stores.sessions.count()).toBe(0);
  });

  test('close can be called while Redis is away', async () => {
    const link = await proxy();
    const stores = await openRedisStores({ url: `redis://127.0.0.1:${link.port}`, prefix, clock, timeoutMs: 300 });
    await link.cut();
    const result = await timed(stores.close());
    expect(result.error).toBeUndefined();
    expect(result.ms).toBeLessThan(500);
    await expect(stores.sessions.get('s1')).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  test('while Redis refuses writes (out of memory) it answers reads, every write is unavailable, and check says so until writes are served again', async () => {
    const server = await startPrivateRedis({ password: `oom-${uniqueName('p')}` });
    cleanups.push(() => server.close());
    const control = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await control.connect();
    cleanups.push(async () => void (await control.quit()));
    const stores = await open({ url: server.url });
    await stores.sessions.set('s1', { address: ALICE }, TTL);
    await stores.challenges.put(createChallenge('c0'), TTL);
    const limiter = stores.createRateLimiter({ keyPrefix: 'ip', points: 5, duration: 60 });

    await control.config('SET', 'maxmemory-policy', 'noeviction');
    await control.config('SET', 'maxmemory', '1');
    // (Session writes are let through: Redis lets a script whose first write is a DEL, as the
    // session script's is, write on, so that it is never cut off half-way.)
    const writes = [stores.challenges.put(createChallenge('c1'), TTL), limiter.consume('203.0.113.7')];
    for (const result of await Promise.all(writes.map(timed))) {
      expect(result.error).toBeInstanceOf(StoreUnavailableError);
      expect((result.error as Error).message).toMatch(/^redis: OOM /);
    }
    expect(await stores.sessions.get('s1')).toStrictEqual({ address: ALICE });
    expect(await stores.check()).toStrictEqual([{ name: 'redis', ok: false, latencyMs: expect.any(Number), error: expect.stringMatching(/^writes fail: OOM /) }]);
    // Deletes are still allowed when out of memory: a take proves nothing about writes.
    expect(await stores.challenges.take('c0', 'b')).toStrictEqual(createChallenge('c0'));
    expect(await stores.check()).toMatchObject([{ ok: false }]);

    await control.config('SET', 'maxmemory', '0');
    // No store write in between: the check's own probe finds writes served again.
    expect(await stores.check()).toStrictEqual([{ name: 'redis', ok: true, latencyMs: expect.any(Number) }]);
    await stores.challenges.put(createChallenge('c1'), TTL);
    expect(await stores.challenges.take('c1', 'b')).toStrictEqual(createChallenge('c1'));
  });
});
