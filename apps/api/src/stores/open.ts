// Picks the store implementations from the configuration: the embedded SQLite file unless
// REDIS_URL (sessions, challenges, the OpenID provider's state, rate limits) or DATABASE_URL
// (users, audit log, OpenID clients and signing keys) say otherwise.
// Any combination works: each half comes from its own backend, and the SQLite file is opened only
// when one half still lives there.

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { openPostgresStores } from './postgres';
import { openRedisStores } from './redis';
import { openSqliteStores } from './sqlite';
import type { Clock, DurableStores, EphemeralStores, Stores } from './types';

export type { DurableStores, EphemeralStores } from './types';

export interface OpenStoresOptions {
  config: Pick<Config, 'dataDir' | 'redisUrl' | 'redisPrefix' | 'databaseUrl' | 'storeTimeoutMs'>;
  clock: Clock;
  /** Where a backing service's connection loss and recovery are reported. */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/** Which backend holds each half, for the start-up log line. */
export function describeStores(config: OpenStoresOptions['config']): { sessions: string; users: string } {
  return { sessions: config.redisUrl ? 'redis' : 'sqlite', users: config.databaseUrl ? 'postgres' : 'sqlite' };
}

/**
 * Opens the configured stores. Rejects when a configured service cannot be reached at start-up
 * (StoreUnavailableError, naming the host but never the credentials); once running, the stores
 * answer 503 while a service is away and recover by themselves when it returns.
 */
export async function openStores({ config, clock, logger }: OpenStoresOptions): Promise<Stores> {
  const { redisUrl, databaseUrl, storeTimeoutMs: timeoutMs } = config;
  let sqlite: Stores | undefined;
  const openSqlite = (): Stores => (sqlite ??= openSqliteStores({ file: join(config.dataDir, 'wallet-login.sqlite'), clock }));
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const ephemeral: EphemeralStores = redisUrl
      ? await openRedisStores({ url: redisUrl, prefix: config.redisPrefix, clock, timeoutMs, logger })
      : openSqlite();
    opened.push(ephemeral);
    const durable: DurableStores = databaseUrl ? await openPostgresStores({ url: databaseUrl, timeoutMs, logger }) : openSqlite();
    return composeStores(ephemeral, durable);
  } catch (error) {
    await Promise.allSettled(opened.map((stores) => stores.close()));
    throw error;
  }
}

/**
 * One Stores from two halves: challenges, sessions and rate limiters from `ephemeral`; users and
 * the audit log from `durable`. They may be the same object (SQLite for both). check reports every
 * backend, sweep sweeps each, close closes each once.
 */
export function composeStores(ephemeral: EphemeralStores, durable: DurableStores): Stores {
  const backends: Array<Pick<Stores, 'check' | 'sweep' | 'close'>> = (ephemeral as object) === durable ? [ephemeral] : [ephemeral, durable];
  return {
    challenges: ephemeral.challenges,
    sessions: ephemeral.sessions,
    users: durable.users,
    audit: durable.audit,
    oidc: ephemeral.oidc,
    clients: durable.clients,
    signingKeys: durable.signingKeys,
    createRateLimiter: (options) => ephemeral.createRateLimiter(options),
    async check() {
      const reports = await Promise.all(backends.map((backend) => backend.check()));
      return reports.flat();
    },
    async sweep() {
      // One backend failing does not keep the others from being swept.
      const results = await Promise.allSettled(backends.map((backend) => backend.sweep()));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
    async close() {
      await Promise.allSettled(backends.map((backend) => backend.close()));
    },
  };
}
