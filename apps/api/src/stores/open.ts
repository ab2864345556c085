// Picks the store implementations from the configuration: the embedded SQLite file unless
// REDIS_URL (sessions, challenges, the OpenID provider's state, rate limits) or DATABASE_URL
// (users, audit log, OpenID clients and signing keys) say otherwise.
// Any combination works: each half comes from its own backend, and the SQLite file is opened only
// when one half still lives there. How a sign-in's audit entry is recorded with its session
// follows from the combination (SessionStore.set): one transaction when the SQLite file holds
// both, the audit queue when the audit log is in PostgreSQL, the entry first otherwise.

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { createAuditQueue, type AuditQueueOptions } from './auditQueue';
import { openPostgresStores } from './postgres';
import { openRedisStores } from './redis';
import { openSqliteStores } from './sqlite';
import type { Clock, DurableStores, EphemeralStores, SessionStore, Stores } from './types';

export type { DurableStores, EphemeralStores } from './types';

/**
 * How long closing the stores waits for queued audit entries to be written. main.ts gives
 * closing the stores 2 s past the drain (STOP_SLACK_MS); what is left is logged instead.
 */
export const AUDIT_FLUSH_MS = 1500;

export interface OpenStoresOptions {
  config: Pick<Config, 'dataDir' | 'redisUrl' | 'redisPrefix' | 'databaseUrl' | 'storeTimeoutMs'> & Partial<Pick<Config, 'auditQueueMax'>>;
  clock: Clock;
  /** Where a backing service's connection loss and recovery, and audit entries not written, are reported. */
  logger?: Pick<Logger, 'warn' | 'info' | 'error'>;
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
    // PostgreSQL is a server that can be away or refuse writes while the sessions' store works:
    // sign-ins' entries wait for it in the queue.
    return composeStores(ephemeral, durable, databaseUrl ? { auditQueue: { max: config.auditQueueMax, logger } } : {});
  } catch (error) {
    await Promise.allSettled(opened.map((stores) => stores.close()));
    throw error;
  }
}

export interface ComposeStoresOptions {
  /**
   * Queue sign-ins' audit entries (retried, bounded) instead of appending each before its
   * session is written. Only for halves in different backends.
   * @default no queue
   */
  auditQueue?: Omit<AuditQueueOptions, 'audit'>;
  /** How long close waits for queued entries. @default AUDIT_FLUSH_MS */
  flushMs?: number;
}

/**
 * One Stores from two halves: challenges, sessions and rate limiters from `ephemeral`; users and
 * the audit log from `durable`. They may be the same object (SQLite for both), which then records
 * a sign-in's audit entry with its session itself (one transaction). Otherwise the entry is
 * queued (`auditQueue`) or appended before the session is written (see SessionStore.set). check
 * reports every backend, sweep sweeps each, close flushes the queue and closes each once.
 */
export function composeStores(ephemeral: EphemeralStores, durable: DurableStores, options: ComposeStoresOptions = {}): Stores {
  const same = (ephemeral as object) === durable;
  const backends: Array<Pick<Stores, 'check' | 'sweep' | 'close'>> = same ? [ephemeral] : [ephemeral, durable];
  const queue = same || options.auditQueue === undefined ? undefined : createAuditQueue({ ...options.auditQueue, audit: durable.audit });
  const writeSession = ephemeral.sessions.set.bind(ephemeral.sessions);
  let set: SessionStore['set'] = writeSession;
  if (queue) {
    set = async (id, data, ttlMs, audit, replaces) => {
      if (audit === undefined) return writeSession(id, data, ttlMs, undefined, replaces);
      // The place is held before the session is written: a full queue refuses the sign-in with
      // nothing written, and a session once written always has room for its entry.
      const slot = queue.reserve();
      try {
        await writeSession(id, data, ttlMs, undefined, replaces);
      } catch (error) {
        slot.release();
        throw error;
      }
      slot.commit(audit);
    };
  } else if (!same) {
    set = async (id, data, ttlMs, audit, replaces) => {
      // The entry first: a session is written only once its entry is.
      if (audit !== undefined) await durable.audit.append(audit);
      await writeSession(id, data, ttlMs, undefined, replaces);
    };
  }
  let closed: Promise<void> | undefined;
  return {
    challenges: ephemeral.challenges,
    sessions: same ? ephemeral.sessions : { ...ephemeral.sessions, set },
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
    auditBacklog() {
      return queue?.size ?? 0;
    },
    close() {
      closed ??= (async () => {
        await queue?.close(options.flushMs ?? AUDIT_FLUSH_MS);
        await Promise.allSettled(backends.map((backend) => backend.close()));
      })();
      return closed;
    },
  };
}
