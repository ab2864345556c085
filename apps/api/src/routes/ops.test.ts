// /healthz, /readyz, and the API's answers while Redis or PostgreSQL is away or the SQLite file
// cannot be written: through createApp on stores opened from configuration, with each service
// behind a proxy the test cuts, hangs and restores, and a full disk under SQLite. While a service
// is away, every request that needs it gets a quick 503 service_unavailable (never a 401 that
// would sign the user out, never a 500, never a hang); afterwards the same app serves again on
// its own.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../app';
import { createContractWalletVerifier } from '../chain';
import { startScriptedRpc } from '../../test/chain/rpcServers';
import { openStores } from '../stores/open';
import { simulateDiskFull, type DiskFull } from '../../test/support/diskFull';
import type { Stores } from '../stores/types';
import { createTestClock, freePort, privateKeyToAddress, signMessage, TEST_KEY, TEST_START_TIME, testAppConfig } from '@wallet-login/testkit';
import { startFaultProxy, type FaultProxy } from '../../test/support/faultProxy';
import { connectTestPostgres, createTestSchema, databaseUrlFor, deleteRedisKeys, connectTestRedis, dropTestSchema, uniqueName } from '../../test/support/services';

const ORIGIN = 'http://localhost:8080';
const ADDRESS = privateKeyToAddress(TEST_KEY);
const TIMEOUT_MS = 500;

type Server = ReturnType<ReturnType<typeof createApp>['callback']>;

interface Harness {
  server: Server;
  stores: Stores;
  redisLink: FaultProxy;
  postgresLink: FaultProxy;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function app(stores: Stores): Server {
  const clock = createTestClock(TEST_START_TIME);
  const config = testAppConfig(ORIGIN, { storeTimeoutMs: TIMEOUT_MS });
  return createApp({ config, stores, clock, random: (n) => randomBytes(n), logger: pino({ level: 'silent' }) }).callback();
}

/** The stores on the SQLite default in a fresh folder, closed and the folder removed after the test. */
async function openSqlite(name: string): Promise<Stores> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wallet-login-${name}-`));
  const stores = await openStores({ config: { dataDir: dir, redisPrefix: 'wl:', storeTimeoutMs: TIMEOUT_MS }, clock: createTestClock(TEST_START_TIME) });
  cleanups.push(async () => {
    await stores.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return stores;
}

/** GET /readyz must answer 200 ready, listing exactly `dependencies`; returns the answer. */
async function expectReady(server: Server, dependencies: object[]): Promise<request.Response> {
  const res = await request(server).get('/readyz');
  expect(res.status).toBe(200);
  expect(res.body).toStrictEqual({ status: 'ready', dependencies });
  return res;
}

/** The app on Redis and PostgreSQL, each reached through a proxy the test controls. */
async function setup(): Promise<Harness> {
  const redis = await connectTestRedis();
  const postgres = await connectTestPostgres();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-ready-'));
  const redisPrefix = `${uniqueName('wltest')}:`;
  const schema = await createTestSchema(postgres);
  const redisLink = await startFaultProxy({ target: { host: '127.0.0.1', port: 6379 } });
  const postgresLink = await startFaultProxy({ target: { host: '127.0.0.1', port: 5432 } });
  const stores = await openStores({
    config: {
      dataDir,
      redisUrl: `redis://127.0.0.1:${redisLink.port}`,
      redisPrefix,
      databaseUrl: databaseUrlFor(schema, `postgres://postgres@127.0.0.1:${postgresLink.port}/test`),
      storeTimeoutMs: TIMEOUT_MS,
    },
    clock: createTestClock(TEST_START_TIME),
  });
  cleanups.push(async () => {
    await stores.close();
    await redisLink.close();
    await postgresLink.close();
    await deleteRedisKeys(redis, redisPrefix);
    await dropTestSchema(postgres, schema);
    await redis.quit();
    await postgres.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { server: app(stores), stores, redisLink, postgresLink };
}

/** Challenge → sign → register or login, on a cookie-keeping agent. */
async function signIn(agent: request.Agent, mode: 'register' | 'login'): Promise<request.Response> {
  const challenge = await agent.post('/api/auth/challenge').send({ address: ADDRESS });
  if (challenge.status !== 200) return challenge;
  const signature = signMessage({ message: challenge.body.message, privateKey: TEST_KEY });
  return agent.post(`/api/auth/${mode}`).send({ sid: challenge.body.sid, signature });
}

/** A request's response and how long it took. */
async function timed(send: () => PromiseLike<request.Response>): Promise<{ res: request.Response; ms: number }> {
  const started = performance.now();
  const res = await send();
  return { res, ms: performance.now() - started };
}

/** Retries until `send` answers `status`, for at most `ms`; returns how long that took. */
async function until(send: () => PromiseLike<request.Response>, status: number, ms = 5000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await send();
    if (res.status === status) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`still ${res.status} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A quick 503 service_unavailable that says nothing internal. */
function expectUnavailable({ res, ms }: { res: request.Response; ms: number }): void {
  expect({ status: res.status, code: res.body?.error?.code }).toStrictEqual({ status: 503, code: 'service_unavailable' });
  expect(JSON.stringify(res.body)).not.toMatch(/redis|postgres|ECONN|127\.0\.0\.1|at .*\.(ts|js):\d+/i);
  expect(ms).toBeLessThan(TIMEOUT_MS + 700);
}

describe('GET /readyz', () => {
  test('on the SQLite default: 200 ready, naming sqlite', async () => {
    const stores = await openSqlite('ready');
    const res = await expectReady(app(stores), [{ name: 'sqlite', ok: true, latencyMs: expect.any(Number) }]);
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await request(app(stores)).head('/readyz')).status).toBe(200);
  });

  test('reports each dependency, 503 while one is away, 200 again once it is back', async () => {
    const h = await setup();
    await expectReady(h.server, [
      { name: 'redis', ok: true, latencyMs: expect.any(Number) },
      { name: 'postgres', ok: true, latencyMs: expect.any(Number) },
    ]);

    await h.redisLink.cut();
    h.postgresLink.hang();
    const started = performance.now();
    const down = await request(h.server).get('/readyz');
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 700);
    expect(down.status).toBe(503);
    expect(down.body).toStrictEqual({
      status: 'unavailable',
      dependencies: [
        { name: 'redis', ok: false, latencyMs: expect.any(Number), error: expect.any(String) },
        { name: 'postgres', ok: false, latencyMs: expect.any(Number), error: `no answer within ${TIMEOUT_MS} ms` },
      ],
    });
    expect(JSON.stringify(down.body)).not.toMatch(/redis:\/\/|postgres:\/\//);

    await h.redisLink.restore();
    await h.postgresLink.restore();
    await until(() => request(h.server).get('/readyz'), 200);
  });

  test('lists each contract-wallet RPC as rpc:<chainId>; one that is down does not make the instance unavailable', async () => {
    const stores = await openSqlite('ready');
    const rpc = await startScriptedRpc({ chainId: 8453, answer: () => ({ status: 500, body: 'no' }) });
    cleanups.push(() => rpc.close());
    const down = `http://127.0.0.1:${await freePort()}`;
    const contractWallets = createContractWalletVerifier({ rpcUrls: [{ chainId: 8453, url: `${rpc.url}/?key=secret` }, { chainId: 1, url: down }], timeoutMs: TIMEOUT_MS });
    const config = testAppConfig(ORIGIN, { storeTimeoutMs: TIMEOUT_MS });
    const server = createApp({ config, stores, clock: createTestClock(TEST_START_TIME), random: (n) => randomBytes(n), logger: pino({ level: 'silent' }), contractWallets }).callback();
    const res = await expectReady(server, [
      { name: 'sqlite', ok: true, latencyMs: expect.any(Number) },
      { name: 'rpc:8453', ok: true, latencyMs: expect.any(Number) },
      { name: 'rpc:1', ok: false, latencyMs: expect.any(Number), error: `the RPC for chain 1 (${down}) could not be reached (ECONNREFUSED)` },
    ]);
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });
});

describe('while a backing service is away', () => {
  test('Redis cut off: every auth request is a quick 503, the session survives, and the app recovers by itself', async () => {
    const h = await setup();
    const agent = request.agent(h.server);
    expect((await signIn(agent, 'register')).status).toBe(201);
    expect((await agent.get('/api/auth/me')).status).toBe(200);

    await h.redisLink.cut();
    const me = await timed(() => agent.get('/api/auth/me'));
    expectUnavailable(me);
    expect(me.res.headers['retry-after']).toBe('1');
    expectUnavailable(await timed(() => agent.post('/api/auth/challenge').send({})));
    expectUnavailable(await timed(() => agent.post('/api/auth/logout')));
    expectUnavailable(await timed(() => request(h.server).post('/api/auth/challenge').send({})));
    // /healthz does not depend on Redis.
    expect((await request(h.server).get('/healthz')).status).toBe(200);

    await h.redisLink.restore();
    await until(() => agent.get('/api/auth/me'), 200);
    // The logout that failed did not happen; the one that succeeds ends the session.
    expect((await agent.post('/api/auth/logout')).status).toBe(204);
    expect((await agent.get('/api/auth/me')).status).toBe(401);
  });

  test('Redis not answering: 503 within the store timeout', async () => {
    const h = await setup();
    const agent = request.agent(h.server);
    expect((await signIn(agent, 'register')).status).toBe(201);
    h.redisLink.hang();
    expectUnavailable(await timed(() => agent.get('/api/auth/me')));
    expectUnavailable(await timed(() => request(h.server).post('/api/auth/challenge').send({})));
    await h.redisLink.restore();
    await until(() => agent.get('/api/auth/me'), 200);
  });

  test('PostgreSQL cut off or not answering: sign-ins are a quick 503, signed-in sessions keep working', async () => {
    const h = await setup();
    const agent = request.agent(h.server);
    expect((await signIn(agent, 'register')).status).toBe(201);

    await h.postgresLink.cut();
    const other = request.agent(h.server);
    const challenge = await other.post('/api/auth/challenge').send({ address: ADDRESS });
    expect(challenge.status).toBe(200);
    const signature = signMessage({ message: challenge.body.message, privateKey: TEST_KEY });
    expectUnavailable(await timed(() => other.post('/api/auth/login').send({ sid: challenge.body.sid, signature })));
    expect((await other.get('/api/auth/me')).status).toBe(401);
    expect((await agent.get('/api/auth/me')).status).toBe(200);

    await h.postgresLink.restore();
    h.postgresLink.hang();
    const again = await other.post('/api/auth/challenge').send({ address: ADDRESS });
    const signed = signMessage({ message: again.body.message, privateKey: TEST_KEY });
    expectUnavailable(await timed(() => other.post('/api/auth/login').send({ sid: again.body.sid, signature: signed })));

    await h.postgresLink.restore();
    await until(async () => signIn(request.agent(h.server), 'login'), 200);
  });
});

describe('while the SQLite file cannot be written (a full disk)', () => {
  let disk: DiskFull | undefined;
  afterEach(() => {
    disk?.restore();
    disk = undefined;
  });

  test('challenge, login, register and logout are 503 with Retry-After, /readyz is 503 naming sqlite, and both recover after a write', async () => {
    const stores = await openSqlite('full');
    const server = app(stores);
    const agent = request.agent(server);
    expect((await signIn(agent, 'register')).status).toBe(201);
    const pending = request.agent(server);
    const challenge = await pending.post('/api/auth/challenge').send({ address: ADDRESS });
    const signature = signMessage({ message: challenge.body.message, privateKey: TEST_KEY });

    disk = simulateDiskFull();
    const answers = [
      await timed(() => request(server).post('/api/auth/challenge').send({})),
      await timed(() => pending.post('/api/auth/login').send({ sid: challenge.body.sid, signature })),
      await timed(() => pending.post('/api/auth/register').send({ sid: challenge.body.sid, signature })),
      await timed(() => agent.post('/api/auth/logout')),
    ];
    for (const answer of answers) {
      expectUnavailable(answer);
      expect(answer.res.headers['retry-after']).toBe('1');
    }
    // The logout that failed did not happen: the session is still signed in.
    expect((await agent.get('/api/auth/me')).body).toMatchObject({ address: ADDRESS });
    const down = await request(server).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toStrictEqual({
      status: 'unavailable',
      dependencies: [{ name: 'sqlite', ok: false, latencyMs: expect.any(Number), error: 'writes fail: database or disk is full (SQLITE_FULL)' }],
    });
    // The process is alive all the same: restarting it would not make room on the disk.
    expect((await request(server).get('/healthz')).status).toBe(200);

    disk.restore();
    disk = undefined;
    expect((await request(server).post('/api/auth/challenge').send({})).status).toBe(200);
    expect((await request(server).get('/readyz')).status).toBe(200);
    expect((await pending.post('/api/auth/login').send({ sid: challenge.body.sid, signature })).status).toBe(200);
    expect((await agent.post('/api/auth/logout')).status).toBe(204);
    expect((await agent.get('/api/auth/me')).status).toBe(401);
  });
});
