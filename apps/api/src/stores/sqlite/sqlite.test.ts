// The conformance suite against the SQLite stores, each test on a fresh file in a temp
// directory, plus what only SQLite has: WAL mode, the schema version, corrupt rows, and takes
// racing from several threads, each with its own connection.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { toApiError } from '../../middleware/errors';
import { createHarness, testStores } from '../../../test/stores/conformance';
import { StoreUnavailableError } from '../errors';
import type { StoredChallenge, Stores } from '../types';
import { simulateDiskFull, type DiskFull } from '../../../test/support/diskFull';
import { openSqliteStores } from './index';
import { createTestClock } from '@wallet-login/testkit';

const START = 1_735_689_600_000;

function createTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-sqlite-'));
}

testStores('SQLite stores', async ({ clock }) => {
  const dir = createTempDir();
  const file = path.join(dir, 'wallet-login.db');
  return createHarness(
    () => openSqliteStores({ file, clock }),
    () => fs.rmSync(dir, { recursive: true, force: true }),
  );
}, {
  signIn: {
    mode: 'transaction',
    failAudit: () => simulateDiskFull({ statements: /^\s*INSERT INTO audit\b/ }),
    failSession: () => simulateDiskFull({ statements: /^\s*INSERT INTO sessions\b/ }),
  },
});

describe('SQLite specifics', () => {
  let dir: string;
  const opened: Array<{ close(): unknown }> = [];
  beforeEach(() => {
    dir = createTempDir();
  });
  afterEach(async () => {
    for (const handle of opened.splice(0)) await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  function open(file: string, clock = createTestClock(START)): Stores {
    const stores = openSqliteStores({ file, clock });
    opened.push(stores);
    return stores;
  }
  function openRaw(file: string): Database.Database {
    const db = new Database(file);
    opened.push(db);
    return db;
  }

  test('creates the missing parent directories', () => {
    const file = path.join(dir, 'a', 'b', 'wallet-login.db');
    open(file);
    expect(fs.statSync(file).isFile()).toBe(true);
  });

  test.each(['022', '000'])('under umask %s the new directory is 0700 and the database, -wal and -shm files 0600', async (mask) => {
    const before = process.umask(parseInt(mask, 8));
    try {
      const data = path.join(dir, 'data');
      const file = path.join(data, 'wallet-login.sqlite');
      const stores = open(file);
      await stores.sessions.set('s1', { address: '0x0000000000000000000000000000000000000001' }, 60_000);
      await stores.createRateLimiter({ keyPrefix: 'ip', points: 5, duration: 60 }).consume('203.0.113.7');
      expect((fs.statSync(data).mode & 0o777).toString(8)).toBe('700');
      const files = fs.readdirSync(data).sort();
      expect(files).toStrictEqual(['wallet-login.sqlite', 'wallet-login.sqlite-shm', 'wallet-login.sqlite-wal']);
      for (const name of files) expect([name, (fs.statSync(path.join(data, name)).mode & 0o777).toString(8)]).toStrictEqual([name, '600']);
    } finally {
      process.umask(before);
    }
  });

  test("an older, wider database file keeps its mode, but its -wal and -shm are made 0600", () => {
    const before = process.umask(0o022);
    try {
      const file = path.join(dir, 'wallet-login.sqlite');
      openRaw(file).close();
      fs.chmodSync(file, 0o644);
      open(file);
      expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('644');
      for (const suffix of ['-wal', '-shm']) expect((fs.statSync(file + suffix).mode & 0o777).toString(8)).toBe('600');
    } finally {
      process.umask(before);
    }
  });

  test('runs in WAL mode with the schema version set', () => {
    const file = path.join(dir, 'wallet-login.db');
    open(file);
    const db = openRaw(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    expect(tables.pluck().all()).toStrictEqual(['audit', 'challenges', 'oidc', 'oidc_clients', 'oidc_signing_keys', 'rate_limits', 'sessions', 'users']);
  });

  test('upgrades a version 1 file in place, keeping its users and sessions', async () => {
    const file = path.join(dir, 'wallet-login.db');
    const v1 = openRaw(file);
    v1.exec(`
      CREATE TABLE users (address TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
      CREATE TABLE sessions (id TEXT PRIMARY KEY, address TEXT, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE challenges (sid TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
      INSERT INTO users VALUES ('0x0000000000000000000000000000000000000001', ${START});
      INSERT INTO sessions VALUES ('s1', '0x0000000000000000000000000000000000000001', '{"address":"0x0000000000000000000000000000000000000001"}', ${START + 60_000});
    `);
    v1.pragma('user_version = 1');
    const stores = open(file);
    expect(await stores.users.list()).toStrictEqual([{ address: '0x0000000000000000000000000000000000000001', createdAt: START }]);
    expect(await stores.sessions.listFor('0x0000000000000000000000000000000000000001')).toHaveLength(1);
    await stores.audit.append({ at: START, action: 'login', outcome: 'ok', ip: '::1', instance: 'i' });
    // Version 3's tables are there too.
    await stores.oidc.upsert('Session', 'x', { accountId: 'a' }, 60_000);
    expect(await stores.clients.list()).toStrictEqual([]);
    expect(v1.pragma('user_version', { simple: true })).toBe(3);
  });

  test('a version 3 file without the audit method column gains it, keeping its entries; older servers can still open it', async () => {
    const file = path.join(dir, 'wallet-login.db');
    // A file as a server of version 3 before the column wrote it.
    open(file);
    const v3 = openRaw(file);
    v3.exec(`
      ALTER TABLE audit DROP COLUMN method;
      INSERT INTO audit (at, action, outcome, ip, instance) VALUES (${START}, 'login', 'ok', '::1', 'i');
    `);
    expect(v3.pragma('user_version', { simple: true })).toBe(3);
    const stores = open(file);
    expect(await stores.audit.query({})).toStrictEqual([{ at: START, action: 'login', outcome: 'ok', ip: '::1', instance: 'i' }]);
    await stores.audit.append({ at: START + 1, action: 'login', outcome: 'ok', ip: '::1', instance: 'i', method: 'erc1271' });
    expect((await stores.audit.query({ limit: 1 }))[0]).toMatchObject({ method: 'erc1271' });
    // No version bump: a server of version 3 (which inserts without the column) still opens it.
    expect(v3.pragma('user_version', { simple: true })).toBe(3);
    v3.prepare("INSERT INTO audit (at, action, outcome, address, ip, user_agent, instance) VALUES (?, 'logout', 'ok', NULL, '::1', NULL, 'old')").run(START + 2);
    expect((await stores.audit.query({ limit: 1 }))[0]).toStrictEqual({ at: START + 2, action: 'logout', outcome: 'ok', ip: '::1', instance: 'old' });
    // Opening again does not add it twice.
    expect(() => open(file)).not.toThrow();
  });

  test('opening an existing file again keeps its data', async () => {
    const file = path.join(dir, 'wallet-login.db');
    await open(file).users.add('0x0000000000000000000000000000000000000001', START);
    expect(await open(file).users.list()).toHaveLength(1);
  });

  test("an audit entry with an action this version does not know reads as 'unknown'", async () => {
    const file = path.join(dir, 'wallet-login.db');
    const stores = open(file);
    openRaw(file).prepare("INSERT INTO audit (at, action, outcome, ip, instance) VALUES (?, 'webauthn', 'ok', '::1', 'i')").run(START);
    expect(await stores.audit.query({})).toStrictEqual([{ at: START, action: 'unknown', outcome: 'ok', ip: '::1', instance: 'i' }]);
  });

  test('refuses a file from a newer schema version', () => {
    const file = path.join(dir, 'wallet-login.db');
    openRaw(file).pragma('user_version = 4');
    const clock = createTestClock(START);
    expect(() => openSqliteStores({ file, clock })).toThrow(/schema version 4/);
  });

  test('treats corrupt rows as absent instead of throwing', async () => {
    const file = path.join(dir, 'wallet-login.db');
    const stores = open(file);
    const db = openRaw(file);
    const corrupt = ['{not json', '[]', 'null', '42', '{"sid":"other"}', '{"address":7}'];
    // Corrupt, but with the binding the takes below name: taken, and read as absent.
    const bound = ['{"binding":"b"}', '{"sid":"bound1","binding":"b","timestamp":"soon"}', '{"sid":"bound2","binding":"b","domain":7}'];
    const putChallenge = db.prepare('INSERT INTO challenges VALUES (?, ?, ?)');
    const putSession = db.prepare('INSERT INTO sessions VALUES (?, NULL, ?, ?)');
    corrupt.forEach((data, i) => {
      putChallenge.run(`bad${i}`, data, START + 60_000);
      putSession.run(`bad${i}`, data, START + 60_000);
    });
    bound.forEach((data, i) => putChallenge.run(`bound${i}`, data, START + 60_000));
    for (let i = 0; i < corrupt.length; i++) {
      await expect(stores.challenges.take(`bad${i}`, 'b')).resolves.toBeUndefined();
    }
    for (let i = 0; i < bound.length; i++) {
      await expect(stores.challenges.take(`bound${i}`, 'b')).resolves.toBeUndefined();
    }
    const sessions = await Promise.all(corrupt.map((_, i) => stores.sessions.get(`bad${i}`)));
    // '{"sid":"other"}' is a valid session; every other row is not.
    const absent = undefined;
    expect(sessions).toStrictEqual([absent, absent, absent, absent, { sid: 'other' }, absent]);
    // A bad challenge with the binding is consumed; one without any is no one's, and left to sweep.
    const left = db.prepare('SELECT sid FROM challenges ORDER BY sid').pluck();
    expect(left.all()).toStrictEqual(corrupt.map((_, i) => `bad${i}`));
    await stores.sweep();
    expect(left.all()).toHaveLength(corrupt.length);
    // Once expired, another instance's sweep (on a later clock) deletes them.
    await open(file, createTestClock(START + 60_000)).sweep();
    expect(left.all()).toStrictEqual([]);
  });

  test('a challenge row from an older version, without its site, reads back without one', async () => {
    const file = path.join(dir, 'wallet-login.db');
    const stores = open(file);
    const old = { sid: 'old1', timestamp: START, expiresAt: START + 60_000, format: 'siwe', message: 'issued text', binding: 'b' };
    openRaw(file).prepare('INSERT INTO challenges VALUES (?, ?, ?)').run('old1', JSON.stringify(old), START + 60_000);
    expect(await stores.challenges.take('old1', 'b')).toStrictEqual(old);
  });

  describe('when the file cannot be written', () => {
    let disk: DiskFull | undefined;
    afterEach(() => {
      disk?.restore();
      disk = undefined;
    });
    const ALICE = '0x0000000000000000000000000000000000000001';
    const challenge: StoredChallenge = { sid: 'c1', timestamp: START, expiresAt: START + 60_000, format: 'json', message: 'c1', binding: 'b' };
    const everyWrite = (stores: Stores) => [
      () => stores.challenges.put(challenge, 60_000),
      () => stores.challenges.take('c0', 'b'),
      () => stores.sessions.set('s2', {}, 60_000),
      () => stores.sessions.update('s1', { address: ALICE }, 60_000),
      () => stores.sessions.destroy('s1'),
      () => stores.sessions.destroyAllFor(ALICE),
      () => stores.users.add(ALICE, START),
      () => stores.users.remove(ALICE),
      () => stores.audit.append({ at: START, action: 'login', outcome: 'ok', ip: '::1', instance: 'i' }),
      () => stores.createRateLimiter({ keyPrefix: 'ip', points: 5, duration: 60 }).consume('203.0.113.7'),
      () => stores.sweep(),
    ];

    test('SQLITE_FULL: every write is StoreUnavailableError (→ 503), reads still work, and the store is not ready until a write succeeds', async () => {
      const stores = open(path.join(dir, 'wallet-login.db'));
      await stores.sessions.set('s1', { address: ALICE }, 60_000);
      await stores.challenges.put({ ...challenge, sid: 'c0' }, 60_000);
      disk = simulateDiskFull();
      for (const write of everyWrite(stores)) {
        const error: unknown = await write().then(() => undefined, (caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toBe('sqlite: database or disk is full (SQLITE_FULL)');
        expect(toApiError(error)).toMatchObject({ status: 503, code: 'service_unavailable', retryAfterSeconds: 1 });
      }
      expect(await stores.sessions.get('s1')).toStrictEqual({ address: ALICE });
      expect(await stores.challenges.count()).toBe(1);
      const down = [{ name: 'sqlite', ok: false, latencyMs: expect.any(Number), error: 'writes fail: database or disk is full (SQLITE_FULL)' }];
      expect(await stores.check()).toStrictEqual(down);
      expect(await stores.check()).toStrictEqual(down);

      disk.restore();
      // A write that changes nothing (no such session) proves nothing; one that does clears it.
      await stores.sessions.destroy('nobody');
      disk = simulateDiskFull();
      expect(await stores.check()).toStrictEqual(down);
      disk.restore();
      await stores.sessions.set('s3', {}, 60_000);
      disk = simulateDiskFull();
      // Ready again: the check pings only, it writes nothing while writes are not known to fail.
      expect(await stores.check()).toStrictEqual([{ name: 'sqlite', ok: true, latencyMs: expect.any(Number) }]);
      expect(await stores.sessions.get('s1')).toStrictEqual({ address: ALICE });
    });

    test('once the disk has room again, the check finds out by itself with one small write that leaves nothing behind', async () => {
      const stores = open(path.join(dir, 'wallet-login.db'));
      disk = simulateDiskFull();
      await expect(stores.sessions.set('s1', {}, 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await stores.check()).toMatchObject([{ name: 'sqlite', ok: false }]);
      disk.restore();
      expect(await stores.check()).toStrictEqual([{ name: 'sqlite', ok: true, latencyMs: expect.any(Number) }]);
      expect(openRaw(path.join(dir, 'wallet-login.db')).prepare('SELECT count(*) FROM challenges').pluck().get()).toBe(0);
    });

    test.each([
      ['SQLITE_IOERR_WRITE', 'disk I/O error'],
      ['SQLITE_READONLY', 'attempt to write a readonly database'],
      ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database'],
      ['SQLITE_BUSY', 'database is locked'],
      ['SQLITE_LOCKED_SHAREDCACHE', 'database table is locked'],
      ['SQLITE_CANTOPEN', 'unable to open database file'],
      ['SQLITE_CORRUPT', 'database disk image is malformed'],
      ['SQLITE_NOMEM', 'out of memory'],
    ])('%s is StoreUnavailableError too, and makes the store not ready', async (code, message) => {
      const stores = open(path.join(dir, 'wallet-login.db'));
      disk = simulateDiskFull({ code, message });
      for (const write of everyWrite(stores)) await expect(write()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await stores.check()).toStrictEqual([{ name: 'sqlite', ok: false, latencyMs: expect.any(Number), error: `writes fail: ${message} (${code})` }]);
    });

    test.each(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_ERROR', 'SQLITE_MISUSE'])('%s, a fault of the statement itself, stays as it is (a 500) and leaves readiness alone', async (code) => {
      const stores = open(path.join(dir, 'wallet-login.db'));
      disk = simulateDiskFull({ code, message: 'a bug' });
      const error: unknown = await stores.sessions.set('s1', {}, 60_000).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Database.SqliteError);
      expect(toApiError(error)).toMatchObject({ status: 500, code: 'internal_error' });
      expect(await stores.check()).toMatchObject([{ name: 'sqlite', ok: true }]);
    });

    test('a call after close is StoreUnavailableError (a request finishing during shutdown)', async () => {
      const stores = open(path.join(dir, 'wallet-login.db'));
      await stores.close();
      await expect(stores.sessions.get('s1')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(stores.sessions.set('s1', {}, 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });

  test('of takes racing from 4 threads, each challenge goes to exactly one', async () => {
    const file = path.join(dir, 'wallet-login.db');
    const stores = open(file);
    const sids = Array.from({ length: 100 }, (_, i) => `race${i}`);
    for (const sid of sids) {
      const challenge: StoredChallenge = {
        sid,
        timestamp: START,
        expiresAt: START + 60_000,
        format: 'json',
        message: sid,
        binding: 'b',
      };
      await stores.challenges.put(challenge, 60_000);
    }
    const barrier = new SharedArrayBuffer(4);
    const workers = [1, 2, 3, 4].map(() => takeInWorker({ file, sids, barrier, workers: 4 }));
    const won = await Promise.all(workers);
    expect(won.flat().sort()).toStrictEqual([...sids].sort());
    // More than one thread won: the takes did race.
    expect(won.filter((list) => list.length > 0).length).toBeGreaterThan(1);
  });
});

/**
 * In a worker thread with its own connection, takes each sid in turn, in lockstep with the
 * other `workers` threads so that all of them race for the same sid; returns the sids it won.
 * The worker loads index.ts through TypeScript's transpiler.
 */
function takeInWorker(options: {
  file: string;
  sids: string[];
  barrier: SharedArrayBuffer;
  workers: number;
}): Promise<string[]> {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const ts = require(workerData.typescript);
    require.extensions['.ts'] = (module, filename) => {
      const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
      });
      module._compile(outputText, filename);
    };
    const { openSqliteStores } = require(workerData.module);
    const { file, sids, workers, now } = workerData;
    const stores = openSqliteStores({ file, clock: { now: () => now } });
    const barrier = new Int32Array(workerData.barrier);
    (async () => {
      const won = [];
      for (let round = 0; round < sids.length; round++) {
        // Wait until every thread has arrived at this round.
        Atomics.add(barrier, 0, 1);
        Atomics.notify(barrier, 0);
        const arrived = workers * (round + 1);
        for (let n; (n = Atomics.load(barrier, 0)) < arrived; ) Atomics.wait(barrier, 0, n);
        if ((await stores.challenges.take(sids[round], 'b')) !== undefined) won.push(sids[round]);
      }
      await stores.close();
      parentPort.postMessage(won);
    })();
  `;
  const workerData = {
    ...options,
    module: path.join(__dirname, 'index.ts'),
    typescript: require.resolve('typescript'),
    now: START,
  };
  const worker = new Worker(source, { eval: true, workerData });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}
