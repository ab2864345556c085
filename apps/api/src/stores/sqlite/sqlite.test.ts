// The conformance suite against the SQLite stores, each test on a fresh file in a temp
// directory, plus what only SQLite has: WAL mode, the schema version, corrupt rows, and takes
// racing from several threads, each with its own connection.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createHarness, createTestClock, testStores } from '../conformance';
import type { StoredChallenge, Stores } from '../types';
import { openSqliteStores } from './index';

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
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    expect(tables.pluck().all()).toStrictEqual(['audit', 'challenges', 'rate_limits', 'sessions', 'users']);
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
    expect(v1.pragma('user_version', { simple: true })).toBe(2);
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
    openRaw(file).pragma('user_version = 3');
    const clock = createTestClock(START);
    expect(() => openSqliteStores({ file, clock })).toThrow(/schema version 3/);
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
