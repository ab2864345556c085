// Picks the store implementations from the configuration: the embedded SQLite file unless
// REDIS_URL (sessions, challenges, rate limits) or DATABASE_URL (users, audit log) say otherwise.

import { join } from 'node:path';
import type { Config } from '../config';
import { openSqliteStores } from './sqlite';
import type { Clock, Stores } from './types';

export interface OpenStoresOptions {
  config: Pick<Config, 'dataDir' | 'redisUrl' | 'databaseUrl' | 'storeTimeoutMs'>;
  clock: Clock;
}

/** Opens the configured stores; rejects when a configured service cannot be reached at start-up. */
export async function openStores({ config, clock }: OpenStoresOptions): Promise<Stores> {
  return openSqliteStores({ file: join(config.dataDir, 'wallet-login.sqlite'), clock });
}
