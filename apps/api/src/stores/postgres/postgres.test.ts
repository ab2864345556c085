// The conformance suite against the PostgreSQL stores (users and the audit log; sessions and
// challenges on a SQLite file beside them), on the local PostgreSQL, each test in a schema of its
// own. Plus what only PostgreSQL has: migrations at start-up, byte-order of addresses, and what
// happens when the database goes away, stops answering, is locked or drops its connections.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { createHarness, testStores } from '../../../test/stores/conformance';
import { StoreUnavailableError } from '../errors';
import { composeStores } from '../open';
import type { DurableStores } from '../types';
import { openSqliteStores } from '../sqlite';
import { startFaultProxy, type FaultProxy } from '../../../test/support/faultProxy';
import { connectTestPostgres, dropTestSchema, TEST_DATABASE_URL, uniqueName, timed, until } from '../../../test/support/services';
import { openPostgresStores, POSTGRES_SCHEMA_VERSION, SchemaVersionError } from './index';

const START = 1_735_689_600_000;
const ALICE = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';

let admin: Pool;
beforeAll(async () => {
  admin = await connectTestPostgres();
});
afterAll(async () => {
  await admin?.end();
});

testStores('PostgreSQL stores (sessions and challenges on SQLite)', async ({ clock }) => {
  const schema = uniqueName('wl_test');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-postgres-'));
  return createHarness(
    // As openStores composes them: sign-ins' audit entries through the queue.
    async () => composeStores(
      openSqliteStores({ file: path.join(dir, 'ephemeral.sqlite'), clock }),
      await openPostgresStores({ url: TEST_DATABASE_URL, schema, timeoutMs: 2000, poolSize: 4 }),
      { auditQueue: {} },
    ),
    async () => {
      await dropTestSchema(admin, schema);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  );
}, { signIn: { mode: 'queued' } });

describe('PostgreSQL specifics', () => {
  let schema: string;
  const opened: DurableStores[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(() => {
    schema = uniqueName('wl_test');
  });
  afterEach(async () => {
    for (const stores of opened.splice(0)) await stores.close();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await dropTestSchema(admin, schema);
  });
  async function open(options: { url?: string; timeoutMs?: number; poolSize?: number } = {}): Promise<DurableStores> {
    const stores = await openPostgresStores({ url: options.url ?? TEST_DATABASE_URL, schema, timeoutMs: options.timeoutMs ?? 2000, poolSize: options.poolSize });
    opened.push(stores);
    return stores;
  }
  async function proxy(): Promise<FaultProxy> {
    const started = await startFaultProxy({ target: { host: '127.0.0.1', port: 5432 } });
    cleanups.push(() => started.close());
    return started;
  }
  /** Every store call, for checking that each fails the same way. */
  const everyCall = (stores: DurableStores) => [
    stores.users.add(ALICE, START),
    stores.users.has(ALICE),
    stores.users.remove(ALICE),
    stores.users.list(),
    stores.audit.append({ at: START, action: 'login', outcome: 'ok', ip: '::1', instance: 'api-1' }),
    stores.audit.query({ address: ALICE }),
  ];

  test('creates the schema at the current version; instances starting together migrate it once', async () => {
    const all = await Promise.all([open(), open(), open(), open()]);
    expect(all).toHaveLength(4);
    const version = await admin.query(`SELECT version FROM ${schema}.schema_version`);
    expect(version.rows).toStrictEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    const tables = await admin.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", [schema]);
    expect(tables.rows.map((row: { table_name: string }) => row.table_name)).toStrictEqual(['audit', 'oidc_clients', 'oidc_signing_keys', 'schema_version', 'users']);
    await all[0]!.users.add(ALICE, START);
    expect(await all[3]!.users.has(ALICE)).toBe(true);
  });

  test('opening again keeps the data and the version', async () => {
    await (await open()).users.add(ALICE, START);
    const again = await open();
    expect(await again.users.list()).toStrictEqual([{ address: ALICE, createdAt: START }]);
    expect((await admin.query(`SELECT count(*)::int AS n FROM ${schema}.schema_version`)).rows).toStrictEqual([{ n: 1 }]);
  });

  test('refuses a database from a newer schema version', async () => {
    await open();
    await admin.query(`UPDATE ${schema}.schema_version SET version = ${POSTGRES_SCHEMA_VERSION + 1}`);
    await expect(open()).rejects.toThrow(SchemaVersionError);
    await expect(open()).rejects.toThrow(`schema version ${POSTGRES_SCHEMA_VERSION + 1}; this server knows up to ${POSTGRES_SCHEMA_VERSION}`);
  });

  test('a database of schema version 2 gains the audit method column, keeping its entries', async () => {
    const stores = await open();
    await stores.audit.append({ at: START, action: 'login', outcome: 'ok', ip: '::1', instance: 'api-1' });
    await admin.query(`ALTER TABLE ${schema}.audit DROP COLUMN method`);
    await admin.query(`UPDATE ${schema}.schema_version SET version = 2`);
    const upgraded = await open();
    expect(await upgraded.audit.query({})).toStrictEqual([{ at: START, action: 'login', outcome: 'ok', ip: '::1', instance: 'api-1' }]);
    await upgraded.audit.append({ at: START + 1, action: 'login', outcome: 'ok', ip: '::1', instance: 'api-1', method: 'erc6492' });
    expect((await upgraded.audit.query({ limit: 1 }))[0]).toMatchObject({ method: 'erc6492' });
    expect((await admin.query(`SELECT version FROM ${schema}.schema_version`)).rows).toStrictEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
  });

  test('orders addresses byte by byte, as the SQLite store does', async () => {
    const stores = await open();
    const lower = '0xab00000000000000000000000000000000000000';
    const upper = '0xAB00000000000000000000000000000000000000';
    const mixed = '0xaB00000000000000000000000000000000000000';
    for (const address of [lower, mixed, upper]) await stores.users.add(address, START);
    expect((await stores.users.list()).map((user) => user.address)).toStrictEqual([upper, mixed, lower]);
  });

  test('refuses to open, quickly and without the password, when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await timed(open({ url: `postgres://postgres:s3cret-pass@127.0.0.1:${port}/test`, timeoutMs: 500 }));
    expect(result.error).toBeInstanceOf(StoreUnavailableError);
    expect((result.error as Error).message).toBe(`postgres: not reachable at postgres://127.0.0.1:${port}/test: connection refused`);
    expect(result.ms).toBeLessThan(1000);
  });

  test('refuses to open, saying why, when the server answers but the schema cannot be used', async () => {
    const missing = uniqueName('wl_missing');
    const url = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${missing}`)}`;
    const error: unknown = await openPostgresStores({ url, timeoutMs: 2000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toBe('postgres: refused at postgres://127.0.0.1:5432/test: no schema has been selected to create in');
  });

  test('refuses to open within the timeout when the server does not answer', async () => {
    const silent = await proxy();
    silent.hang();
    const result = await timed(open({ url: `postgres://postgres@127.0.0.1:${silent.port}/test`, timeoutMs: 300 }));
    expect(result.error).toBeInstanceOf(StoreUnavailableError);
    expect(result.ms).toBeLessThan(1000);
  });

  test('while PostgreSQL is cut off every call fails fast as unavailable, and works again once it is back', async () => {
    const link = await proxy();
    const stores = await open({ url: `postgres://postgres@127.0.0.1:${link.port}/test`, timeoutMs: 500 });
    await stores.users.add(ALICE, START);
    await link.cut();
    for (const result of await Promise.all(everyCall(stores).map(timed))) {
      expect(result.error).toBeInstanceOf(StoreUnavailableError);
      expect(result.ms).toBeLessThan(600);
    }
    expect(await stores.check()).toStrictEqual([{ name: 'postgres', ok: false, latencyMs: expect.any(Number), error: expect.any(String) }]);
    await link.restore();
    const recoveredIn = await until(() => stores.users.has(ALICE), 3000);
    expect(recoveredIn).toBeLessThan(1000);
    expect(await stores.users.list()).toStrictEqual([{ address: ALICE, createdAt: START }]);
    expect(await stores.check()).toStrictEqual([{ name: 'postgres', ok: true, latencyMs: expect.any(Number) }]);
  });

  test('while PostgreSQL does not answer, calls fail as unavailable within the timeout, and recover', async () => {
    const link = await proxy();
    const stores = await open({ url: `postgres://postgres@127.0.0.1:${link.port}/test`, timeoutMs: 300 });
    await stores.users.add(ALICE, START);
    link.hang();
    for (const result of await Promise.all(everyCall(stores).map(timed))) {
      expect(result.error).toBeInstanceOf(StoreUnavailableError);
      expect(result.ms).toBeGreaterThanOrEqual(250);
      expect(result.ms).toBeLessThan(700);
    }
    await link.restore();
    await until(() => stores.users.has(ALICE), 3000);
    expect(await stores.users.has(ALICE)).toBe(true);
  });

  test('a locked table or an exhausted pool answers unavailable within the timeout', async () => {
    const stores = await open({ timeoutMs: 400, poolSize: 2 });
    await stores.users.add(ALICE, START);
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schema}.users IN ACCESS EXCLUSIVE MODE`);
      const calls = [stores.users.has(ALICE), stores.users.list(), stores.users.add('0x0000000000000000000000000000000000000001', START), stores.users.has(ALICE), stores.users.has(ALICE)];
      for (const result of await Promise.all(calls.map(timed))) {
        expect(result.error).toBeInstanceOf(StoreUnavailableError);
        expect(result.ms).toBeLessThan(800);
      }
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    await until(() => stores.users.has(ALICE), 3000);
    expect(await stores.users.list()).toStrictEqual([{ address: ALICE, createdAt: START }]);
  });

  test('while writes are blocked and reads go on, every write is unavailable and check says so until writes are served again', async () => {
    const stores = await open({ timeoutMs: 400 });
    await stores.users.add(ALICE, START);
    const locker = await admin.connect();
    try {
      // EXCLUSIVE lets reads through but no write: as a server that answers yet cannot write.
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schema}.users, ${schema}.audit, ${schema}.schema_version IN EXCLUSIVE MODE`);
      const writes = [
        stores.users.add('0x0000000000000000000000000000000000000001', START),
        stores.users.remove(ALICE),
        stores.audit.append({ at: START, action: 'login', outcome: 'ok', ip: '::1', instance: 'api-1' }),
      ];
      for (const result of await Promise.all(writes.map(timed))) expect(result.error).toBeInstanceOf(StoreUnavailableError);
      expect(await stores.users.has(ALICE)).toBe(true);
      expect(await stores.check()).toStrictEqual([{ name: 'postgres', ok: false, latencyMs: expect.any(Number), error: expect.stringMatching(/^writes fail: (no answer within 400 ms|canceling statement due to statement timeout)$/) }]);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    // No store write in between: the check's own write finds them served again.
    expect(await stores.check()).toStrictEqual([{ name: 'postgres', ok: true, latencyMs: expect.any(Number) }]);
    expect(await stores.users.list()).toStrictEqual([{ address: ALICE, createdAt: START }]);
  });

  test('connections the server terminates are replaced; calls fail as unavailable at worst, never otherwise', async () => {
    const applicationName = uniqueName('wl_test_app');
    const stores = await open({ url: `${TEST_DATABASE_URL}?application_name=${applicationName}` });
    await Promise.all([stores.users.add(ALICE, START), stores.users.list(), stores.audit.query({})]);
    const terminated = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    expect(terminated.rowCount).toBeGreaterThan(0);
    const first = await Promise.all([stores.users.has(ALICE), stores.users.has(ALICE), stores.users.list()].map(timed));
    for (const result of first) {
      if (result.error !== undefined) expect(result.error).toBeInstanceOf(StoreUnavailableError);
    }
    expect(await stores.users.has(ALICE)).toBe(true);
    expect(await stores.users.list()).toStrictEqual([{ address: ALICE, createdAt: START }]);
  });

  test('a statement fault is a plain error, not "unavailable"', async () => {
    const stores = await open();
    // PostgreSQL text cannot hold NUL: the statement itself is at fault (SQLSTATE 22021).
    const result = await timed(stores.users.add('0x\u0000', START));
    expect(result.error).toBeInstanceOf(Error);
    expect(result.error).not.toBeInstanceOf(StoreUnavailableError);
    expect(await stores.users.list()).toStrictEqual([]);
  });

  test('close can be called while PostgreSQL is away, and twice', async () => {
    // The schema made first, directly: the open through the link below only connects.
    await open();
    const link = await proxy();
    const stores = await openPostgresStores({ url: `postgres://postgres@127.0.0.1:${link.port}/test`, schema, timeoutMs: 300 });
    await link.cut();
    const result = await timed(stores.close());
    expect(result.error).toBeUndefined();
    expect(result.ms).toBeLessThan(500);
    await expect(stores.close()).resolves.toBeUndefined();
    await expect(stores.users.has(ALICE)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
