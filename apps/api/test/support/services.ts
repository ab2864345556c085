// Test helper: the Redis and PostgreSQL servers the store tests run against, at fixed local
// addresses (tests never read the environment). The tests need both: when one is not reachable
// they fail with a message saying how to start it; they never skip.

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Pool } from 'pg';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';
export const TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A name unique to this run, for key prefixes and schemas: `<tag>_<12 hex digits>`. */
export function uniqueName(tag: string): string {
  return `${tag}_${randomBytes(6).toString('hex')}`;
}

/** A connected Redis client for setting up and inspecting test data; fails clearly without Redis. */
export async function connectTestRedis(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `The store tests need Redis at ${TEST_REDIS_URL} (${(error as Error).message}). ` +
        'Start one, e.g. `redis-server --daemonize yes --port 6379 --save ""`.',
    );
  }
  return redis;
}

/** A pool on the test database for setting up and inspecting test data; fails clearly without it. */
export async function connectTestPostgres(): Promise<Pool> {
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 2, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `The store tests need PostgreSQL at ${TEST_DATABASE_URL} (${(error as Error).message}). ` +
        'Start one that trusts local connections, with a database "test" and a role "postgres".',
    );
  }
  return pool;
}

/** Deletes every key under `prefix`. */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<void> {
  if (!/^[A-Za-z0-9_:.-]+$/.test(prefix)) throw new Error(`refusing to delete keys under "${prefix}"`);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Creates an empty schema with a unique name and returns the name. */
export async function createTestSchema(pool: Pool, tag = 'wl_test'): Promise<string> {
  const schema = uniqueName(tag);
  await pool.query(`CREATE SCHEMA ${schema}`);
  return schema;
}

/** Drops a schema made by createTestSchema (or by the stores' `schema` option), with its tables. */
export async function dropTestSchema(pool: Pool, schema: string): Promise<void> {
  if (!/^wl_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema "${schema}"`);
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** TEST_DATABASE_URL with its search_path set to `schema`, as a deployment would configure it. */
export function databaseUrlFor(schema: string, base = TEST_DATABASE_URL): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** How long `promise` takes to settle, and how it settled (for outage tests). */
export async function timed(promise: Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = performance.now();
  try {
    await promise;
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/** Retries `attempt` until it resolves, for at most `ms`; returns how long that took. */
export async function until(attempt: () => Promise<unknown>, ms: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await attempt();
      return performance.now() - started;
    } catch (error) {
      if (performance.now() - started > ms) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
