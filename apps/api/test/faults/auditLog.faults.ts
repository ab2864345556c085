// Fault test (npx jest -c jest.faults.config.ts --runInBand apps/api/test/faults/auditLog.faults.ts):
// no accepted sign-in without its audit entry, against the built API as a real process.
//
//   SQLite (the default), its DATA_DIR a small tmpfs of its own (mounted here: the test runs as
//   root) filled up again and again under a sign-in load, sometimes to the brim, sometimes with a
//   little room that the load then uses up: every 200/201 sign-in has its "ok" audit row
//   afterwards, exactly one, and every signed-in session belongs to an accepted sign-in.
//
//   Redis + PostgreSQL, the audit table locked (writes wait, reads go on, as on a database whose
//   writes hang): sign-ins are accepted with their entries queued, /metrics counts them, a full
//   queue (AUDIT_QUEUE_MAX) answers 503, and a SIGTERM flushes the queue once the table is free
//   again; an entry the flush cannot write is logged in full instead.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { freePort, privateKeyToAddress, signMessage } from '@wallet-login/testkit';
import { CookieClient } from '../support/cookies';
import { startApiProcess, type ApiProcess } from '../support/processes';
import { fillFileSystem, useTmpfs } from '../support/tmpfs';
import { connectTestPostgres, connectTestRedis, createTestSchema, databaseUrlFor, deleteRedisKeys, dropTestSchema, TEST_REDIS_URL, uniqueName, until } from '../support/services';

/** Room for the database, its WAL (up to about 4 MiB before a checkpoint) and the load's rows. */
const TMPFS_SIZE = '24m';
const CLIENTS = 8;
const SESSION_KEY = `audit-fault-session-key-${randomBytes(16).toString('hex')}`;
/** How much room each filling leaves: none, then a little the load soon uses up. */
const ROOM_LEFT = [0, 16 << 10, 64 << 10, 0, 128 << 10];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client of the API for the load (a longer timeout: the disk is full at times). */
class Client extends CookieClient {
  constructor(url: string) {
    super(url, 15_000);
  }

  /** Challenge → sign → `mode`; the sign-in's answer, or undefined when the challenge was refused. */
  async signIn(key: string, mode: 'login' | 'register'): Promise<{ status: number; code?: string } | undefined> {
    const challenge = await this.send('POST', '/api/auth/challenge', { address: privateKeyToAddress(key) });
    if (challenge.status !== 200) return undefined;
    const res = await this.send('POST', `/api/auth/${mode}`, { sid: challenge.json.sid, signature: signMessage({ message: challenge.json.message, privateKey: key }) });
    return { status: res.status, code: res.json?.error?.code };
  }
}

/** Every sign-in answer of the load. */
interface Answer {
  address: string;
  action: 'login' | 'register';
  status: number;
  code?: string;
}

describe('no accepted sign-in without its audit entry when the disk fills mid-load (SQLite)', () => {
  let api: ApiProcess | undefined;
  const tmpfs = useTmpfs({ prefix: 'wallet-login-auditfull-', size: TMPFS_SIZE, mode: '0700', beforeUnmount: async () => void (await api?.stop('SIGKILL')) });

  test('every 200/201 sign-in has exactly one "ok" audit row, and every signed-in session an accepted sign-in', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    api = await startApiProcess({
      env: {
        PORT: String(port),
        PUBLIC_ORIGIN: url,
        DATA_DIR: tmpfs.path,
        SESSION_KEYS: SESSION_KEY,
        REGISTRATION: 'open',
        RATE_LIMIT_IP_PER_MINUTE: '100000000',
        RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: '100000000',
        INSTANCE_ID: 'audit-full-1',
        WORKERS: '1',
      },
    });

    // The load: each client signs up once, then signs in again and again on its own session.
    const answers: Answer[] = [];
    const accepted = () => answers.filter((answer) => answer.status === 200 || answer.status === 201).length;
    const refused = () => answers.filter((answer) => answer.status === 503).length;
    let refusedChallenges = 0;
    let stopping = false;
    const workers = Array.from({ length: CLIENTS }, async () => {
      const key = `0x${randomBytes(32).toString('hex')}`;
      const address = privateKeyToAddress(key);
      const client = new Client(url);
      let registered = false;
      while (!stopping) {
        const action = registered ? 'login' : 'register';
        const answer = await client.signIn(key, action);
        if (answer === undefined) {
          refusedChallenges += 1;
          await sleep(5);
          continue;
        }
        answers.push({ address, action, ...answer });
        if (answer.status === 200 || answer.status === 201) registered = true;
      }
    });
    const waitFor = async (what: string, done: () => boolean, ms = 20_000): Promise<void> => {
      const deadline = performance.now() + ms;
      while (!done()) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ accepted: accepted(), refused: refused(), refusedChallenges })}`);
        await sleep(20);
      }
    };

    const filler = path.join(tmpfs.path, 'filler');
    const rounds: Array<{ roomLeft: number; refused: number; acceptedWhileFilling: number }> = [];
    try {
      await waitFor('the first sign-ins', () => accepted() >= 100);
      for (const roomLeft of ROOM_LEFT) {
        const before = { accepted: accepted(), refused: refused() + refusedChallenges };
        fillFileSystem(filler, roomLeft);
        // Full, or soon full: requests fail until there is room again.
        await waitFor('the disk to refuse writes', () => refused() + refusedChallenges > before.refused + 20, 60_000);
        await sleep(300);
        rounds.push({ roomLeft, refused: refused() + refusedChallenges - before.refused, acceptedWhileFilling: accepted() - before.accepted });
        fs.rmSync(filler);
        const freed = accepted();
        await waitFor('sign-ins to be accepted again', () => accepted() >= freed + 100);
      }
    } finally {
      stopping = true;
      fs.rmSync(filler, { force: true });
    }
    // No request failed outright (a reset, a timeout).
    const settled = await Promise.allSettled(workers);
    expect(settled.filter((result) => result.status === 'rejected')).toStrictEqual([]);

    // Only answers a full disk explains: accepted, or 503 service_unavailable; never a 500.
    const odd = answers.filter((answer) => ![200, 201, 503].includes(answer.status) || (answer.status === 503 && answer.code !== 'service_unavailable'));
    expect(odd).toStrictEqual([]);
    for (const round of rounds) expect(round.refused).toBeGreaterThan(20);
    expect(refused()).toBeGreaterThan(0);

    const ready = await new Client(url).send('GET', '/readyz');
    expect(ready.status).toBe(200);
    // A clean stop: the database is closed (and checkpointed) before it is read here.
    expect(await api.stop('SIGTERM')).toBe(0);
    expect(api.logs().filter((entry) => entry.level === 50 || entry.status === 500)).toStrictEqual([]);

    const db = new Database(path.join(tmpfs.path, 'wallet-login.sqlite'), { readonly: true });
    try {
      const rows = db.prepare<[], { address: string; action: string; n: number }>(
        "SELECT address, action, count(*) AS n FROM audit WHERE outcome = 'ok' GROUP BY address, action",
      ).all();
      const recorded = Object.fromEntries(rows.map((row) => [`${row.address} ${row.action}`, row.n]));
      const answered: Record<string, number> = {};
      for (const answer of answers) {
        if (answer.status !== 200 && answer.status !== 201) continue;
        const key = `${answer.address} ${answer.action}`;
        answered[key] = (answered[key] ?? 0) + 1;
      }
      // Exactly: a sign-in answered 503 left no "ok" row, and one accepted left one.
      expect(recorded).toStrictEqual(answered);
      const signedIn = db.prepare<[], { address: string; n: number }>('SELECT address, count(*) AS n FROM sessions WHERE address IS NOT NULL GROUP BY address').all();
      expect(signedIn.length).toBeGreaterThan(0);
      for (const { address, n } of signedIn) {
        const acceptedFor = (recorded[`${address} login`] ?? 0) + (recorded[`${address} register`] ?? 0);
        expect({ address, sessions: n, withinAccepted: n <= acceptedFor }).toStrictEqual({ address, sessions: n, withinAccepted: true });
      }
    } finally {
      db.close();
    }
  });
});

describe('with the audit log in PostgreSQL: queued entries, a bounded queue, and the flush at shutdown', () => {
  let postgres: Pool;
  let schema: string;
  let prefix: string;
  let dataDir: string;
  let locker: PoolClient | undefined;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    postgres = await connectTestPostgres();
  });
  beforeEach(async () => {
    schema = await createTestSchema(postgres, 'wl_fault');
    prefix = `${uniqueName('wlfault')}:`;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-auditqueue-'));
  });
  afterEach(async () => {
    await api?.stop('SIGKILL');
    api = undefined;
    if (locker) {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      locker = undefined;
    }
    const redis = await connectTestRedis();
    await deleteRedisKeys(redis, prefix);
    await redis.quit();
    await dropTestSchema(postgres, schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await postgres?.end();
  });

  async function start(): Promise<ApiProcess> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    api = await startApiProcess({
      env: {
        PORT: String(port),
        PUBLIC_ORIGIN: url,
        DATA_DIR: dataDir,
        SESSION_KEYS: SESSION_KEY,
        REGISTRATION: 'open',
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: prefix,
        DATABASE_URL: databaseUrlFor(schema),
        STORE_TIMEOUT_MS: '300',
        AUDIT_QUEUE_MAX: '3',
        SHUTDOWN_GRACE_MS: '200',
        INSTANCE_ID: 'audit-queue-1',
        WORKERS: '1',
      },
    });
    return api;
  }
  /** EXCLUSIVE: reads of the table go on, every write waits (past STORE_TIMEOUT_MS: fails). */
  async function lockAuditTable(): Promise<void> {
    locker = await postgres.connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${schema}.audit IN EXCLUSIVE MODE`);
  }
  async function unlockAuditTable(): Promise<void> {
    await locker!.query('ROLLBACK');
    locker!.release();
    locker = undefined;
  }
  const okRows = async (): Promise<string[]> =>
    (await postgres.query<{ address: string }>(`SELECT address FROM ${schema}.audit WHERE outcome = 'ok' ORDER BY at, id`)).rows.map((row) => row.address);
  /** The gauge, from the server's metrics listener (on 127.0.0.1, apart from the public port). */
  const waiting = async (server: { metricsUrl?: string }): Promise<number> => {
    const metrics = await fetch(server.metricsUrl ?? 'no metrics listener').then((res) => res.text().then((text) => ({ text })));
    return Number(/^wallet_login_audit_records_waiting (\d+)$/m.exec(metrics.text)?.[1]);
  };

  test('sign-ins go on while audit writes hang, up to AUDIT_QUEUE_MAX; SIGTERM writes the queue once the table is free', async () => {
    const server = await start();
    const keys = Array.from({ length: 4 }, () => `0x${randomBytes(32).toString('hex')}`);
    const clients = keys.map(() => new Client(server.url));
    // Registered while all is well: one "ok" row each.
    for (const [i, key] of keys.entries()) expect(await clients[i]!.signIn(key, 'register')).toMatchObject({ status: 201 });
    // Written through the queue, a moment after each answer.
    await until(async () => expect(await okRows()).toHaveLength(4), 5000);
    expect(await waiting(server)).toBe(0);

    await lockAuditTable();
    for (const i of [0, 1, 2]) expect(await clients[i]!.signIn(keys[i]!, 'login')).toMatchObject({ status: 200 });
    expect(await waiting(server)).toBe(3);
    // The queue is full: the fourth is refused, and not signed in.
    expect(await clients[3]!.signIn(keys[3]!, 'login')).toStrictEqual({ status: 503, code: 'service_unavailable' });
    expect((await clients[3]!.send('GET', '/api/auth/me')).status).toBe(401);

    const exited = server.stop('SIGTERM');
    await sleep(300);
    expect(server.child.exitCode).toBeNull(); // still flushing
    await unlockAuditTable();
    expect(await exited).toBe(0);
    const rows = await okRows();
    expect(rows).toHaveLength(7);
    expect(rows.slice(4).sort()).toStrictEqual(keys.slice(0, 3).map(privateKeyToAddress).sort());
    expect(server.logs().filter((entry) => entry.level === 50)).toStrictEqual([]);
  });

  test('an entry the flush cannot write before it gives up is logged in full', async () => {
    const server = await start();
    const key = `0x${randomBytes(32).toString('hex')}`;
    const client = new Client(server.url);
    expect(await client.signIn(key, 'register')).toMatchObject({ status: 201 });
    await until(async () => expect(await okRows()).toHaveLength(1), 5000);
    await lockAuditTable();
    expect(await client.signIn(key, 'login')).toMatchObject({ status: 200 });
    expect(await server.stop('SIGTERM')).toBe(0);
    // An insert still waiting for the lock when the process exited would run once it is free
    // (until its statement_timeout): ended first, so that the log line is the only record.
    await postgres.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = '${schema}.audit'::regclass AND NOT granted`);
    await unlockAuditTable();
    expect(await okRows()).toStrictEqual([privateKeyToAddress(key)]);
    const logged = server.logs().filter((entry) => entry.msg === 'audit record not written before shutdown; this line is its record');
    expect(logged).toMatchObject([{ level: 50, audit: { action: 'login', outcome: 'ok', address: privateKeyToAddress(key), instance: 'audit-queue-1' } }]);
  });
});
