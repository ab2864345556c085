// Test helper: the shared stores of a multi-instance deployment, as environment for API processes:
// Redis (sessions, challenges, rate limits, session events) under a key prefix of its own and
// PostgreSQL (users, audit log) in a schema of its own, both removed afterwards.

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
