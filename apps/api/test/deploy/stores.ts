// Test helper: the shared stores of a multi-instance deployment, as environment for API processes:
// Redis (sessions, challenges, rate limits, session events) under a key prefix of its own and
// PostgreSQL (users, audit log) in a schema of its own, both removed afterwards; and two API
// processes on them serving one public origin, as behind a proxy.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, TEST_SESSION_KEYS } from '@wallet-login/testkit';
import { startApiProcess, type ApiProcess } from '../support/processes';
import { connectTestPostgres, connectTestRedis, createTestSchema, databaseUrlFor, deleteRedisKeys, dropTestSchema, TEST_REDIS_URL, uniqueName } from '../support/services';

export interface SharedStores {
  /** REDIS_URL, REDIS_PREFIX, DATABASE_URL and DATA_DIR for every instance. */
  env: Record<string, string>;
  /** Deletes the Redis keys and drops the schema. */
  drop(): Promise<void>;
}

export async function sharedStoresEnv(dataDir: string): Promise<SharedStores> {
  const prefix = `${uniqueName('wl')}:`;
  const pool = await connectTestPostgres();
  const schema = await createTestSchema(pool);
  return {
    env: { DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrlFor(schema) },
    async drop() {
      const redis = await connectTestRedis();
      try {
        await deleteRedisKeys(redis, prefix);
        await dropTestSchema(pool, schema);
      } finally {
        redis.disconnect();
        await pool.end();
      }
    },
  };
}

export interface TwoInstances {
  /** INSTANCE_ID one and two, each on a port of its own. */
  one: ApiProcess;
  two: ApiProcess;
  /** The origin both serve (as behind a proxy), on a free port neither listens on. */
  publicOrigin: string;
  /** Their environment but for INSTANCE_ID: the shared stores, PUBLIC_ORIGIN and SESSION_KEYS (for a third process). */
  env: Record<string, string>;
  /** Stops both, drops the shared stores and removes the data directory. */
  stop(): Promise<void>;
}

export interface StartTwoInstancesOptions {
  /** The temporary directory's name prefix. */
  prefix: string;
  /** Runs before the processes start, with the environment they get (to register a client in the stores, say). */
  prepare?(env: Record<string, string>): Promise<void>;
}

/** Two API processes sharing Redis, PostgreSQL and the cookie signing keys; resolves once both listen. */
export async function startTwoInstances({ prefix, prepare }: StartTwoInstancesOptions): Promise<TwoInstances> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const stores = await sharedStoresEnv(join(dir, 'data'));
  const publicOrigin = `http://127.0.0.1:${await freePort()}`;
  const env = { ...stores.env, PUBLIC_ORIGIN: publicOrigin, SESSION_KEYS: TEST_SESSION_KEYS.join(',') };
  const processes: ApiProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((api) => api.stop()));
    await stores.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  const start = async (id: string): Promise<ApiProcess> => {
    const api = await startApiProcess({ env: { ...env, INSTANCE_ID: id } });
    processes.push(api);
    return api;
  };
  try {
    await prepare?.(env);
    const [one, two] = await Promise.all([start('one'), start('two')]);
    return { one, two, publicOrigin, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
