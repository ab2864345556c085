// The audit entries of accepted sign-ins on their way to an audit log in another database than
// the sessions (PostgreSQL): a session is written first, its entry then waits here and is
// appended with retries, so a PostgreSQL blip or a full disk there costs a delay, not the
// record. The queue is bounded: past `max` records waiting, sign-ins are refused (503) rather
// than accepted with an entry that might never be written. At shutdown it is flushed for a
// bounded time; what is still waiting then, and any record the database refuses as malformed,
// is logged in full at level error instead, so the record survives in the logs.
//
// What it cannot survive is the process dying with records waiting (SIGKILL, out of memory):
// the wallet_login_audit_records_waiting gauge says how many that would be.

import type { Logger } from 'pino';
import { describeFailure, StoreUnavailableError } from './errors';
import type { AuditEntry, AuditStore } from './types';

/** How many records may wait when not configured (AUDIT_QUEUE_MAX). */
export const AUDIT_QUEUE_MAX = 10_000;

export interface AuditQueueOptions {
  /** Where the records go. */
  audit: Pick<AuditStore, 'append'>;
  /** Most records waiting, places held by sign-ins under way included. @default AUDIT_QUEUE_MAX */
  max?: number;
  /** The first retry's delay after a failed append, ms; doubled for every failure after it. @default 100 */
  retryMs?: number;
  /** The longest delay between retries, ms. @default 5000 */
  retryMaxMs?: number;
  /** Appends in flight at once while the database takes them (one at a time while it does not). @default 4 */
  concurrency?: number;
  /** Where outages, recoveries and records not written are reported. */
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** A place in the queue, held while a sign-in writes its session. */
export interface AuditSlot {
  /** Queues the sign-in's entry in the place held. */
  commit(entry: AuditEntry): void;
  /** Gives the place up (the session write failed: there is nothing to record). */
  release(): void;
}

export interface AuditQueue {
  /** Records waiting or being appended, plus places held. */
  readonly size: number;
  /**
   * Holds a place for one record. Throws StoreUnavailableError (→ 503) when `max` are waiting,
   * and once the queue is closing.
   */
  reserve(): AuditSlot;
  /**
   * Refuses new records, waits up to `timeoutMs` for those waiting to be written (retries go
   * on meanwhile), then stops, logging each record still unwritten. Resolves with how many.
   */
  close(timeoutMs: number): Promise<number>;
}

export function createAuditQueue(options: AuditQueueOptions): AuditQueue {
  const { audit, logger } = options;
  const max = options.max ?? AUDIT_QUEUE_MAX;
  const retryMs = options.retryMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  const concurrency = options.concurrency ?? 4;

  const waiting: AuditEntry[] = [];
  const inFlight = new Set<AuditEntry>();
  let reserved = 0;
  /** Backoff steps since the last append that succeeded; while > 0 one append at a time probes the database. */
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let closing = false;
  let stopped = false;
  let onEmpty: (() => void) | undefined;

  const size = (): number => waiting.length + inFlight.size + reserved;
  const settled = (): void => {
    if (waiting.length + inFlight.size === 0) onEmpty?.();
  };

  const pump = (): void => {
    while (!stopped && retry === undefined && waiting.length > 0 && inFlight.size < (failures > 0 ? 1 : concurrency)) {
      send(waiting.shift()!);
    }
    settled();
  };

  const send = (entry: AuditEntry): void => {
    inFlight.add(entry);
    audit.append(entry).then(
      () => {
        inFlight.delete(entry);
        if (failures > 0) logger?.info({ failures, waiting: size() }, 'audit log writable again; queued records are being written');
        failures = 0;
        pump();
      },
      (error: unknown) => {
        inFlight.delete(entry);
        if (stopped) return settled();
        if (!(error instanceof StoreUnavailableError)) {
          // Refused for what it holds (a fault of the record or the statement, not the database):
          // retrying would block every record behind it.
          logger?.error({ err: error, audit: entry }, 'audit record refused by the audit log; this line is its record');
          return pump();
        }
        // Kept at the front, so records go in about the order they were accepted.
        waiting.unshift(entry);
        // Appends that were in flight together fail together: one retry, one step of backoff.
        if (retry === undefined) {
          failures += 1;
          if (failures === 1) logger?.warn({ reason: describeFailure(error), waiting: size() }, 'audit append failed; retrying with backoff, sign-ins go on while the queue has room');
          // While closing there is no later: retries come at the first delay, without growing.
          const delay = closing ? retryMs : Math.min(retryMs * 2 ** (failures - 1), retryMaxMs);
          retry = setTimeout(() => {
            retry = undefined;
            pump();
          }, delay);
        }
      },
    );
  };

  return {
    get size() {
      return size();
    },
    reserve() {
      if (closing) throw new StoreUnavailableError('audit', 'the audit queue is closing');
      if (size() >= max) throw new StoreUnavailableError('audit', `${size()} audit records are waiting to be written (AUDIT_QUEUE_MAX ${max}); sign-ins are refused until some are`);
      reserved += 1;
      let held = true;
      const giveUp = (): boolean => {
        if (!held) return false;
        held = false;
        reserved -= 1;
        return true;
      };
      return {
        commit(entry) {
          if (!giveUp()) return;
          if (stopped) return void logger?.error({ audit: entry }, 'audit record not written (the queue was closed); this line is its record');
          waiting.push(entry);
          pump();
        },
        release() {
          giveUp();
        },
      };
    },
    async close(timeoutMs) {
      closing = true;
      if (waiting.length + inFlight.size > 0) {
        // A retry due after the deadline is brought forward: this is the last chance.
        await new Promise<void>((resolve) => {
          const deadline = setTimeout(resolve, timeoutMs);
          onEmpty = () => {
            clearTimeout(deadline);
            resolve();
          };
          if (retry !== undefined && failures > 0) {
            clearTimeout(retry);
            retry = undefined;
          }
          pump();
        });
      }
      onEmpty = undefined;
      stopped = true;
      clearTimeout(retry);
      retry = undefined;
      // Appends still under way may yet land; they are logged too, as not known to be written.
      const left = [...inFlight, ...waiting.splice(0)];
      for (const entry of left) logger?.error({ audit: entry }, 'audit record not written before shutdown; this line is its record');
      if (left.length > 0) logger?.error({ records: left.length }, 'audit records not written before shutdown were logged instead');
      return left.length;
    },
  };
}
