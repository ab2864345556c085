// Test helpers: API instances in this process that share one Redis prefix (challenges, sessions)
// and one SQLite user file, each on its own 127.0.0.1 port, as a deployment of several instances
// behind one origin is. For the suites that post to one instance what another issued.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { createApp, type AppConfig, type AppDeps } from '../../src/app';
import { composeStores } from '../../src/stores/open';
import { openRedisStores } from '../../src/stores/redis';
import { openSqliteStores } from '../../src/stores/sqlite';
import type { Stores } from '../../src/stores/types';
import { connectTestRedis, deleteRedisKeys, TEST_REDIS_URL, uniqueName } from './services';
import { createTestClock, TEST_START_TIME, testAppConfig } from '@wallet-login/testkit';

export interface RedisInstance {
  url: string;
  stores: Stores;
  server: Server;
}

export interface StartRedisInstanceOptions {
  /** The Redis key prefix the instances share. */
  prefix: string;
  /** The directory of the users.sqlite file they share. */
  dir: string;
  /** The origin it serves. @default its own URL (the first instance's, for the others) */
  publicOrigin?: string;
  /** More of its configuration (a chain, timeouts), besides the Redis URL and prefix. */
  config?: Partial<AppConfig>;
  /** More of createApp's dependencies (a contract-wallet verifier). */
  deps?: Partial<AppDeps>;
}

/** Starts an instance on its own pinned clock, listening on a free port of 127.0.0.1. */
export async function startRedisInstance({ prefix, dir, publicOrigin, config, deps }: StartRedisInstanceOptions): Promise<RedisInstance> {
  const clock = createTestClock(TEST_START_TIME);
  const redis = await openRedisStores({ url: TEST_REDIS_URL, prefix, clock, timeoutMs: 2000 });
  const stores = composeStores(redis, openSqliteStores({ file: join(dir, 'users.sqlite'), clock }));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const appConfig = testAppConfig(publicOrigin ?? url, { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, ...config });
  const app = createApp({ config: appConfig, stores, clock, random: (n) => randomBytes(n), logger: pino({ level: 'silent' }), ...deps });
  server.on('request', app.callback());
  return { url, stores, server };
}

/** Closes each instance (its connections at once) and its stores, and empties the list. */
export async function closeRedisInstances(instances: RedisInstance[]): Promise<void> {
  for (const { server, stores } of instances.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stores.close();
  }
}

/**
 * For each test of the enclosing block, a fresh Redis prefix and user folder, and a function that
 * starts an instance on them; after the test its instances are closed and its keys and folder removed.
 */
export function useRedisInstances(name: string): (options?: Omit<StartRedisInstanceOptions, 'prefix' | 'dir'>) => Promise<RedisInstance> {
  const shared = { admin: undefined as Redis | undefined, dir: '', prefix: '', instances: [] as RedisInstance[] };
  beforeAll(async () => {
    shared.admin = await connectTestRedis();
  });
  beforeEach(() => {
    shared.dir = mkdtempSync(join(tmpdir(), `wallet-login-${name}-redis-`));
    shared.prefix = `${uniqueName(`wl${name}`)}:`;
  });
  afterEach(async () => {
    await closeRedisInstances(shared.instances);
    if (shared.admin !== undefined) await deleteRedisKeys(shared.admin, shared.prefix);
    rmSync(shared.dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await shared.admin?.quit();
  });
  return async (options = {}) => {
    const instance = await startRedisInstance({ ...options, prefix: shared.prefix, dir: shared.dir });
    shared.instances.push(instance);
    return instance;
  };
}
