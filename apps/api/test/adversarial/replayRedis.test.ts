// Replay across instances: two API instances sharing Redis (challenges, sessions) and one user
// store, the same challenge posted 50 times in parallel, alternately to each: exactly one login.
// Needs the local Redis (fails, never skips, without it).

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import type { Redis } from 'ioredis';
import { createApp } from '../../src/app';
import { composeStores } from '../../src/stores/open';
import { openRedisStores } from '../../src/stores/redis';
import { openSqliteStores } from '../../src/stores/sqlite';
import type { Stores } from '../../src/stores/types';
import { connectTestRedis, deleteRedisKeys, TEST_REDIS_URL, uniqueName } from '../support/services';
import { createTestClock, TEST_START_TIME, testAppConfig } from '@wallet-login/testkit';
import { ADDRESS, Browser, KEY, snapshot } from './support';

interface Instance {
  url: string;
  stores: Stores;
  server: Server;
}

let admin: Redis;
let dir: string;
let prefix: string;
const instances: Instance[] = [];

beforeAll(async () => {
  admin = await connectTestRedis();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-replay-redis-'));
  prefix = `${uniqueName('wlreplay')}:`;
});

afterEach(async () => {
  for (const { server, stores } of instances.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stores.close();
  }
  await deleteRedisKeys(admin, prefix);
  rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await admin?.quit();
});

/** An API instance on the shared Redis prefix and user file, serving `publicOrigin` (the first instance's URL). */
async function startInstance(publicOrigin?: string): Promise<Instance> {
  const clock = createTestClock(TEST_START_TIME);
  const redis = await openRedisStores({ url: TEST_REDIS_URL, prefix, clock, timeoutMs: 2000 });
  const stores = composeStores(redis, openSqliteStores({ file: join(dir, 'users.sqlite'), clock }));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = testAppConfig(publicOrigin ?? url, { redisUrl: TEST_REDIS_URL, redisPrefix: prefix });
  const app = createApp({ config, stores, clock, random: (n) => randomBytes(n), logger: pino({ level: 'silent' }) });
  server.on('request', app.callback());
  const instance = { url, stores, server };
  instances.push(instance);
  return instance;
}

test('two instances on Redis, the same challenge posted 50 times in parallel: exactly one 200 and one session', async () => {
  const a = await startInstance();
  const b = await startInstance(a.url);
  await a.stores.users.add(ADDRESS, 0);
  const browser = new Browser(a.url);
  const c = await browser.challenge(KEY);
  // The challenge and the pre-login session are in Redis, so both instances see them.
  expect(await snapshot(b.stores)).toMatchObject({ challenges: 1, sessions: 1, signedIn: { [ADDRESS]: 0 } });

  const cookie = browser.cookieHeader();
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => request((i % 2 === 0 ? a : b).url).post('/api/auth/login').set('Cookie', cookie).send({ sid: c.sid, signature: c.signature })),
  );
  const answers = results.map((res) => `${res.status} ${res.body?.address ?? res.body?.error?.code}`);
  expect(answers.filter((answer) => answer === `200 ${ADDRESS}`)).toHaveLength(1);
  expect(answers.filter((answer) => answer === '401 challenge_not_found')).toHaveLength(49);
  expect(await snapshot(a.stores)).toMatchObject({ challenges: 0, sessions: 1, signedIn: { [ADDRESS]: 1 } });

  // The winner's cookie is good on either instance.
  const winner = results.find((res) => res.status === 200) as request.Response;
  const signedIn = (winner.headers['set-cookie'] as unknown as string[]).map((line) => line.split(';')[0]).join('; ');
  for (const { url } of [a, b]) {
    const me = await request(url).get('/api/auth/me').set('Cookie', signedIn);
    expect({ status: me.status, address: me.body.address }).toEqual({ status: 200, address: ADDRESS });
  }
});
