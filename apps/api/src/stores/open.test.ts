// openStores: the conformance suite on Redis + PostgreSQL together, opened from configuration as
// the server does; every combination of REDIS_URL and DATABASE_URL puts each half where it
// belongs and reports exactly the backends it uses; start-up refuses unreachable services.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createHarness, testStores } from '../../test/stores/conformance';
import { StoreUnavailableError } from './errors';
import { openStores, type OpenStoresOptions } from './open';
import {
  connectTestPostgres,
  connectTestRedis,
  createTestSchema,
  databaseUrlFor,
  deleteRedisKeys,
  dropTestSchema,
  TEST_REDIS_URL,
  uniqueName,
} from '../../test/support/services';
import { createTestClock } from '@wallet-login/testkit';

const START = 1_735_689_600_000;
const ALICE = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';

let redis: Redis;
let postgres: Pool;
beforeAll(async () => {
  redis = await connectTestRedis();
  postgres = await connectTestPostgres();
});
afterAll(async () => {
  await redis?.quit();
  await postgres?.end();
});

/** A configuration on fresh backing data: a temp dir, and a Redis prefix and schema of its own. */
async function createConfig(): Promise<{ config: Omit<OpenStoresOptions['config'], 'redisUrl' | 'databaseUrl'> & { redisUrl: string; databaseUrl: string }; cleanup: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-open-'));
  const redisPrefix = `${uniqueName('wltest')}:`;
  const schema = await createTestSchema(postgres);
  return {
    config: { dataDir, redisUrl: TEST_REDIS_URL, redisPrefix, databaseUrl: databaseUrlFor(schema), storeTimeoutMs: 2000 },
    cleanup: async () => {
      await deleteRedisKeys(redis, redisPrefix);
      await dropTestSchema(postgres, schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

testStores('openStores with REDIS_URL and DATABASE_URL', async ({ clock }) => {
  const { config, cleanup } = await createConfig();
  return createHarness(() => openStores({ config, clock }), cleanup);
}, { signIn: { mode: 'queued' } });

describe('openStores', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test.each([
    { redis: false, postgres: false, backends: ['sqlite'] },
    { redis: true, postgres: false, backends: ['redis', 'sqlite'] },
    { redis: false, postgres: true, backends: ['sqlite', 'postgres'] },
    { redis: true, postgres: true, backends: ['redis', 'postgres'] },
  ])('redis $redis, postgres $postgres: each half lives where configured; check names $backends', async (combination) => {
    const { config: full, cleanup } = await createConfig();
    cleanups.push(cleanup);
    const config = { ...full, redisUrl: combination.redis ? full.redisUrl : undefined, databaseUrl: combination.postgres ? full.databaseUrl : undefined };
    const clock = createTestClock(START);
    const stores = await openStores({ config, clock });
    cleanups.push(() => stores.close());

    await stores.sessions.set('s1', { address: ALICE }, 60_000);
    await stores.users.add(ALICE, START);
    await stores.audit.append({ at: START, action: 'register', outcome: 'ok', address: ALICE, ip: '::1', instance: 'api-1' });
    await stores.createRateLimiter({ keyPrefix: 'ip', points: 2, duration: 60 }).consume('203.0.113.7');

    const statuses = await stores.check();
    expect(statuses.map((status) => status.name)).toStrictEqual(combination.backends);
    for (const status of statuses) expect(status).toMatchObject({ ok: true });

    // Sessions and rate limits: in Redis under the prefix, or in the SQLite file.
    const redisKeys = await redis.keys(`${config.redisPrefix}*`);
    expect(redisKeys.includes(`${config.redisPrefix}s:s1`)).toBe(combination.redis);
    expect(redisKeys.includes(`${config.redisPrefix}rl:ip:203.0.113.7`)).toBe(combination.redis);
    // Users and audit: in the schema's tables, or in the SQLite file.
    const schema = new URL(full.databaseUrl).searchParams.get('options')!.split('=')[1]!;
    const tables = await postgres.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    if (combination.postgres) {
      expect((await postgres.query(`SELECT address FROM ${schema}.users`)).rows).toStrictEqual([{ address: ALICE }]);
      expect((await postgres.query(`SELECT count(*)::int AS n FROM ${schema}.audit`)).rows).toStrictEqual([{ n: 1 }]);
    } else {
      expect(tables.rowCount).toBe(0);
    }
    // The SQLite file exists only when one half lives there.
    const sqliteFile = path.join(config.dataDir, 'wallet-login.sqlite');
    expect(fs.existsSync(sqliteFile)).toBe(!(combination.redis && combination.postgres));

    await stores.sweep();
    await stores.close();
    await expect(stores.close()).resolves.toBeUndefined();
  });

  test('refuses to start, quickly and naming no password, when Redis or PostgreSQL is not reachable', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { config, cleanup } = await createConfig();
    cleanups.push(cleanup);
    const clock = createTestClock(START);
    const cases = [
      { ...config, redisUrl: `redis://:hunter2-secret@127.0.0.1:${port}`, storeTimeoutMs: 500 },
      { ...config, databaseUrl: `postgres://postgres:hunter2-secret@127.0.0.1:${port}/test`, storeTimeoutMs: 500 },
    ];
    for (const bad of cases) {
      const started = performance.now();
      const error: unknown = await openStores({ config: bad, clock }).catch((caught: unknown) => caught);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
