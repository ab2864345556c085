// The audit queue: on its own over a scripted audit log (order, concurrency, backoff, the bound,
// records refused, close), then composed as openStores composes it, with the audit log in
// PostgreSQL behind a fault proxy: retried until PostgreSQL is back, full → refused, flushed at
// close.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { createTestClock } from '@wallet-login/testkit';
import { toApiError } from '../middleware/errors';
import { startFaultProxy, type FaultProxy } from '../../test/support/faultProxy';
import { connectTestPostgres, dropTestSchema, uniqueName, until } from '../../test/support/services';
import { createAuditQueue, type AuditQueue, type AuditQueueOptions } from './auditQueue';
import { StoreUnavailableError } from './errors';
import { composeStores } from './open';
import { openPostgresStores } from './postgres';
import { openSqliteStores } from './sqlite';
import type { AuditEntry, Stores } from './types';

const START = 1_735_689_600_000;
const ALICE = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';

const entry = (n: number): AuditEntry => ({ at: START + n, action: 'login', outcome: 'ok', address: ALICE, ip: '203.0.113.7', instance: 'api-1' });

/** A logger that keeps what it is told. */
function createLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ level, fields, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as NonNullable<AuditQueueOptions['logger']> };
}

/** An audit log that answers each append as the test says, and keeps what it took. */
function createScriptedLog() {
  const written: AuditEntry[] = [];
  const calls: AuditEntry[] = [];
  let answer: 'ok' | 'unavailable' | 'hold' = 'ok';
  const held: Array<() => void> = [];
  return {
    written,
    calls,
    held,
    answer(next: 'ok' | 'unavailable' | 'hold') {
      answer = next;
    },
    /** Lets every held append succeed. */
    releaseAll() {
      for (const release of held.splice(0)) release();
    },
    audit: {
      append: (record: AuditEntry): Promise<void> => {
        calls.push(record);
        if (record.outcome === 'malformed') return Promise.reject(new Error('invalid byte sequence'));
        if (answer === 'unavailable') return Promise.reject(new StoreUnavailableError('postgres', 'connection refused'));
        if (answer === 'hold') return new Promise((resolve) => held.push(() => (written.push(record), resolve())));
        written.push(record);
        return Promise.resolve();
      },
    },
  };
}

const queue = (queueOptions: AuditQueueOptions): AuditQueue => createAuditQueue(queueOptions);
const commit = (q: AuditQueue, record: AuditEntry): void => q.reserve().commit(record);

/** A logging queue with the given retry delays over a log that refuses, entries 0 and 1 committed to it. */
function twoRefused(retryMs: number, retryMaxMs: number) {
  const log = createScriptedLog();
  const { lines, logger } = createLogger();
  const q = queue({ audit: log.audit, retryMs, retryMaxMs, logger });
  log.answer('unavailable');
  commit(q, entry(0));
  commit(q, entry(1));
  return { log, lines, q };
}

describe('the audit queue', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('writes records in the order committed, at most `concurrency` at once', async () => {
    const log = createScriptedLog();
    const q = queue({ audit: log.audit, concurrency: 3 });
    log.answer('hold');
    for (let i = 0; i < 7; i += 1) commit(q, entry(i));
    expect(log.calls).toHaveLength(3);
    expect(q.size).toBe(7);
    while (log.held.length > 0) {
      log.releaseAll();
      await jest.advanceTimersByTimeAsync(0);
    }
    expect(log.written.map((record) => record.at - START)).toStrictEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(q.size).toBe(0);
  });

  test('a failed append is retried with a doubling delay, one record at a time, until the log takes it', async () => {
    const { log, lines, q } = twoRefused(100, 400);
    await jest.advanceTimersByTimeAsync(0);
    // Both were sent at once and failed together: one step of backoff.
    expect(log.calls).toHaveLength(2);
    const attemptsAfter = async (ms: number): Promise<number> => {
      await jest.advanceTimersByTimeAsync(ms);
      return log.calls.length;
    };
    expect(await attemptsAfter(99)).toBe(2);
    expect(await attemptsAfter(1)).toBe(3); // 100 ms, one probe
    expect(await attemptsAfter(199)).toBe(3);
    expect(await attemptsAfter(1)).toBe(4); // 200 ms more
    expect(await attemptsAfter(400)).toBe(5); // 400 ms: the cap
    expect(await attemptsAfter(400)).toBe(6); // capped
    expect(q.size).toBe(2);
    log.answer('ok');
    await jest.advanceTimersByTimeAsync(400);
    expect(log.written.map((record) => record.at - START).sort()).toStrictEqual([0, 1]);
    expect(q.size).toBe(0);
    // One warning for the outage, one line when it is over: not one per attempt.
    expect(lines.map(({ level, msg }) => `${level}: ${msg}`)).toStrictEqual([
      'warn: audit append failed; retrying with backoff, sign-ins go on while the queue has room',
      'info: audit log writable again; queued records are being written',
    ]);
    // The backoff starts over after a success.
    log.answer('unavailable');
    commit(q, entry(2));
    await jest.advanceTimersByTimeAsync(0);
    const before = log.calls.length;
    expect(await attemptsAfter(100)).toBe(before + 1);
  });

  test('a record the log refuses for what it holds is logged in full and dropped; the others are written', async () => {
    const log = createScriptedLog();
    const { lines, logger } = createLogger();
    const q = queue({ audit: log.audit, logger });
    const malformed = { ...entry(1), outcome: 'malformed' };
    commit(q, entry(0));
    commit(q, malformed);
    commit(q, entry(2));
    await jest.advanceTimersByTimeAsync(0);
    expect(log.written).toStrictEqual([entry(0), entry(2)]);
    expect(q.size).toBe(0);
    expect(lines).toMatchObject([{ level: 'error', fields: { audit: malformed }, msg: 'audit record refused by the audit log; this line is its record' }]);
  });

  test('reserve refuses (503) once `max` records wait, places held included; a place given up or written frees it', async () => {
    const log = createScriptedLog();
    const q = queue({ audit: log.audit, max: 3 });
    log.answer('unavailable');
    commit(q, entry(0));
    const held = q.reserve();
    const released = q.reserve();
    const refused = (() => {
      try {
        q.reserve();
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as Error).message).toBe('audit: 3 audit records are waiting to be written (AUDIT_QUEUE_MAX 3); sign-ins are refused until some are');
    expect(toApiError(refused)).toMatchObject({ status: 503, code: 'service_unavailable', retryAfterSeconds: 1 });
    released.release();
    released.release();
    expect(q.size).toBe(2);
    held.commit(entry(1));
    held.commit(entry(99)); // a place takes one record
    expect(q.size).toBe(2);
    log.answer('ok');
    await jest.advanceTimersByTimeAsync(5000);
    expect(log.written.map((record) => record.at - START).sort()).toStrictEqual([0, 1]);
    expect(q.size).toBe(0);
    expect(() => q.reserve().release()).not.toThrow();
  });

  test('close brings a pending retry forward, waits for the records to be written, and refuses new ones', async () => {
    const { log, lines, q } = twoRefused(60_000, 60_000);
    await jest.advanceTimersByTimeAsync(0);
    log.answer('ok');
    const closed = q.close(1000);
    expect(() => q.reserve()).toThrow(StoreUnavailableError);
    await jest.advanceTimersByTimeAsync(0);
    await expect(closed).resolves.toBe(0);
    expect(log.written).toHaveLength(2);
    expect(lines.filter((line) => line.level === 'error')).toStrictEqual([]);
  });

  test('what close cannot write by its deadline is logged in full, one line a record, and no longer retried', async () => {
    const { log, lines, q } = twoRefused(100, 100);
    const closed = q.close(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(closed).resolves.toBe(2);
    const unwritten = lines.filter((line) => line.msg === 'audit record not written before shutdown; this line is its record');
    expect(unwritten.map((line) => line.fields.audit)).toEqual(expect.arrayContaining([entry(0), entry(1)]));
    expect(unwritten).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ level: 'error', fields: { records: 2 } });
    const attempts = log.calls.length;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(log.calls).toHaveLength(attempts);
    expect(q.size).toBe(0);
  });

  test('while closing, retries come at the first delay, however long the outage before', async () => {
    const log = createScriptedLog();
    const q = queue({ audit: log.audit, retryMs: 50, retryMaxMs: 60_000 });
    log.answer('unavailable');
    commit(q, entry(0));
    // Ten failures: the next retry would be 50 ms × 2^9 ≈ 26 s away.
    await jest.advanceTimersByTimeAsync(50 * (2 ** 10 - 1));
    expect(log.calls).toHaveLength(11);
    const closed = q.close(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(closed).resolves.toBe(1);
    // Brought forward at once, then every 50 ms until the deadline.
    expect(log.calls.length - 11).toBeGreaterThanOrEqual(20);
  });

  test('a place committed after close is logged as its record', async () => {
    const log = createScriptedLog();
    const { lines, logger } = createLogger();
    const q = queue({ audit: log.audit, logger });
    const slot = q.reserve();
    await q.close(100);
    slot.commit(entry(5));
    expect(log.calls).toStrictEqual([]);
    expect(lines).toMatchObject([{ level: 'error', fields: { audit: entry(5) }, msg: 'audit record not written (the queue was closed); this line is its record' }]);
  });
});

describe('sign-ins with the audit log in PostgreSQL, through the queue', () => {
  let admin: Pool;
  let schema: string;
  let dir: string;
  let link: FaultProxy;
  const opened: Stores[] = [];
  beforeAll(async () => {
    admin = await connectTestPostgres();
  });
  afterAll(async () => {
    await admin?.end();
  });
  beforeEach(async () => {
    schema = uniqueName('wl_test');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-queue-'));
    link = await startFaultProxy({ target: { host: '127.0.0.1', port: 5432 } });
  });
  afterEach(async () => {
    for (const stores of opened.splice(0)) await stores.close();
    await link.close();
    await dropTestSchema(admin, schema);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** SQLite sessions, the PostgreSQL audit log through the proxy, the queue between. */
  async function open(queueOptions: { max?: number; flushMs?: number } = {}) {
    const { lines, logger } = createLogger();
    const clock = createTestClock(START);
    const stores = composeStores(
      openSqliteStores({ file: path.join(dir, 'sessions.sqlite'), clock }),
      await openPostgresStores({ url: `postgres://postgres@127.0.0.1:${link.port}/test`, schema, timeoutMs: 300 }),
      { auditQueue: { max: queueOptions.max ?? 100, retryMs: 20, retryMaxMs: 100, logger }, flushMs: queueOptions.flushMs ?? 3000 },
    );
    opened.push(stores);
    return { stores, lines };
  }
  const rows = async (): Promise<number[]> =>
    (await admin.query<{ at: string }>(`SELECT at FROM ${schema}.audit ORDER BY at`)).rows.map((row) => Number(row.at) - START);

  test('while PostgreSQL is cut off sign-ins go on, their entries wait; once it is back every entry is written, once', async () => {
    const { stores } = await open();
    await link.cut();
    for (let i = 0; i < 5; i += 1) await stores.sessions.set(`s${i}`, { address: ALICE }, 60_000, entry(i));
    expect(await stores.sessions.count()).toBe(5);
    expect(stores.auditBacklog()).toBe(5);
    await link.restore();
    await until(async () => {
      if (stores.auditBacklog() > 0) throw new Error('still waiting');
    }, 5000);
    expect(await rows()).toStrictEqual([0, 1, 2, 3, 4]);
  });

  test('a full queue refuses the sign-in (503) and writes no session; room again, sign-ins are accepted', async () => {
    const { stores } = await open({ max: 2 });
    await link.cut();
    await stores.sessions.set('s0', { address: ALICE }, 60_000, entry(0));
    await stores.sessions.set('s1', { address: ALICE }, 60_000, entry(1));
    const refused: unknown = await stores.sessions.set('s2', { address: ALICE }, 60_000, entry(2)).catch((error: unknown) => error);
    expect(toApiError(refused)).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(await stores.sessions.get('s2')).toBeUndefined();
    // Sessions written without an entry (pre-login ones) are not held back.
    await stores.sessions.set('anon', { binding: 'b' }, 60_000);
    await link.restore();
    await until(async () => {
      if (stores.auditBacklog() > 0) throw new Error('still waiting');
    }, 5000);
    await stores.sessions.set('s3', { address: ALICE }, 60_000, entry(3));
    await until(async () => {
      if ((await rows()).length < 3) throw new Error('still waiting');
    }, 5000);
    expect(await rows()).toStrictEqual([0, 1, 3]);
  });

  test('a failed session write gives its place up and queues no entry', async () => {
    const sessions = openSqliteStores({ file: path.join(dir, 'sessions.sqlite'), clock: createTestClock(START) });
    const stores = composeStores(sessions, await openPostgresStores({ url: `postgres://postgres@127.0.0.1:${link.port}/test`, schema, timeoutMs: 300 }), { auditQueue: { max: 1 } });
    opened.push(stores);
    // A call after close fails as unavailable, as a full disk would.
    await sessions.close();
    await expect(stores.sessions.set('s0', { address: ALICE }, 60_000, entry(0))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(stores.auditBacklog()).toBe(0);
    await stores.close();
    expect(await rows()).toStrictEqual([]);
  });

  test('close writes the entries still waiting once PostgreSQL is back within the flush time', async () => {
    const { stores, lines } = await open();
    await link.cut();
    await stores.sessions.set('s0', { address: ALICE }, 60_000, entry(0));
    await stores.sessions.set('s1', { address: ALICE }, 60_000, entry(1));
    const closed = stores.close();
    expect(stores.auditBacklog()).toBe(2);
    await link.restore();
    await closed;
    expect(await rows()).toStrictEqual([0, 1]);
    expect(lines.filter((line) => line.level === 'error')).toStrictEqual([]);
  });

  test('close logs, in full, the entries it could not write within the flush time', async () => {
    const { stores, lines } = await open({ flushMs: 300 });
    await link.cut();
    await stores.sessions.set('s0', { address: ALICE }, 60_000, entry(0));
    await stores.close();
    expect(lines.filter((line) => line.level === 'error').map((line) => line.fields.audit ?? line.fields.records)).toStrictEqual([entry(0), 1]);
    await link.restore();
    expect(await rows()).toStrictEqual([]);
  });
});
