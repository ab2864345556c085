// The defences around sign-in: rate limits per client IP and per address, bounded outstanding
// challenges, the audit log, and the signed-in person's session list (list, revoke one, sign
// out everywhere). Through supertest against createApp on a real SQLite file, on a pinned clock.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createApp, type AppConfig } from './app';
import { openSqliteStores } from './stores/sqlite';
import type { Stores } from './stores/types';
import { createTestClock, type MutableClock, privateKeyToAddress, signMessage, TEST_KEY, TEST_START_TIME, testAppConfig } from '@wallet-login/testkit';
import { createLocalSessionEvents } from './events/local';
import type { SignedOutEvent } from './events/types';

const ORIGIN = 'http://localhost:8080';
const ADDRESS = privateKeyToAddress(TEST_KEY);
const STRANGER_KEY = `0x${'42'.repeat(32)}`;
const STRANGER = privateKeyToAddress(STRANGER_KEY);

type Server = ReturnType<ReturnType<typeof createApp>['callback']>;

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function setup(overrides: Partial<AppConfig> = {}, wrap: (stores: Stores) => Stores = (stores) => stores): { server: Server; stores: Stores; clock: MutableClock; published: SignedOutEvent[] } {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-login-defences-'));
  const clock = createTestClock(TEST_START_TIME);
  const stores = openSqliteStores({ file: join(dir, 'db.sqlite'), clock });
  const published: SignedOutEvent[] = [];
  const events = createLocalSessionEvents();
  events.subscribe((event) => published.push(event));
  const app = createApp({
    config: testAppConfig(ORIGIN, overrides), stores: wrap(stores), clock, random: (n) => randomBytes(n), logger: pino({ level: 'silent' }), events,
  });
  cleanups.push(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server: app.callback(), stores, clock, published };
}

/** A browser: keeps cookies, sends a User-Agent. */
function browser(server: Server, userAgent = 'TestBrowser/1.0') {
  const agent = request.agent(server);
  return {
    agent,
    challenge: (headers: Record<string, string> = {}) =>
      agent.post('/api/auth/challenge').set('User-Agent', userAgent).set(headers).send({}),
    async signIn(key = TEST_KEY, path = '/api/auth/login', headers: Record<string, string> = {}) {
      const issued = await agent.post('/api/auth/challenge').set('User-Agent', userAgent).set(headers).send({});
      expect(issued.status).toBe(200);
      const signature = signMessage({ message: issued.body.message, privateKey: key });
      return agent.post(path).set('User-Agent', userAgent).set(headers).send({ sid: issued.body.sid, signature });
    },
    get: (path: string) => agent.get(path).set('User-Agent', userAgent),
    post: (path: string) => agent.post(path).set('User-Agent', userAgent),
    delete: (path: string) => agent.delete(path).set('User-Agent', userAgent),
  };
}

describe('rate limits', () => {
  test('an IP over its per-minute budget gets 429 rate_limited with Retry-After', async () => {
    const { server, stores } = setup({ rateLimitIpPerMinute: 3 });
    const client = browser(server);
    for (let i = 0; i < 3; i += 1) expect((await client.challenge()).status).toBe(200);
    const refused = await client.challenge();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Login and register share the budget; the refused request stored nothing.
    expect((await client.agent.post('/api/auth/login').send({ sid: 'x', signature: '0x' })).status).toBe(429);
    expect(await stores.challenges.count()).toBe(3);
  });

  test('a rate-limit store that fails gives 503 service_unavailable with Retry-After, and stores nothing', async () => {
    const failing = { consume: () => Promise.reject(new Error('connect ECONNREFUSED')), get: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const { server, stores } = setup({}, (real) => ({ ...real, createRateLimiter: () => failing as unknown as ReturnType<Stores['createRateLimiter']> }));
    const refused = await browser(server).challenge();
    expect(refused.status).toBe(503);
    expect(refused.body.error).toStrictEqual({ code: 'service_unavailable', message: expect.not.stringMatching(/ECONNREFUSED/) });
    expect(refused.headers['retry-after']).toBe('1');
    expect(await stores.challenges.count()).toBe(0);
  });

  test('without TRUST_PROXY, X-Forwarded-For does not buy a fresh budget', async () => {
    const { server } = setup({ rateLimitIpPerMinute: 2, trustProxy: false });
    const client = browser(server);
    expect((await client.challenge({ 'X-Forwarded-For': '198.51.100.1' })).status).toBe(200);
    expect((await client.challenge({ 'X-Forwarded-For': '198.51.100.2' })).status).toBe(200);
    expect((await client.challenge({ 'X-Forwarded-For': '198.51.100.3' })).status).toBe(429);
  });

  test('with TRUST_PROXY, each forwarded client IP has its own budget', async () => {
    const { server } = setup({ rateLimitIpPerMinute: 2, trustProxy: true });
    const client = browser(server);
    for (let i = 0; i < 2; i += 1) expect((await client.challenge({ 'X-Forwarded-For': '198.51.100.1' })).status).toBe(200);
    expect((await client.challenge({ 'X-Forwarded-For': '198.51.100.1' })).status).toBe(429);
    expect((await client.challenge({ 'X-Forwarded-For': '198.51.100.2' })).status).toBe(200);
    // One hop only: a client-supplied address in front of the proxy's does not count.
    expect((await client.challenge({ 'X-Forwarded-For': '203.0.113.9, 198.51.100.1' })).status).toBe(429);
  });

  test('an address that keeps failing is held back, even with a valid signature', async () => {
    const { server } = setup({ rateLimitAddressFailuresPerHour: 2 });
    const client = browser(server);
    // The stranger's signatures are valid but the address is not registered: each is a failure.
    for (let i = 0; i < 2; i += 1) expect((await client.signIn(STRANGER_KEY)).body.error.code).toBe('address_not_registered');
    const held = await client.signIn(STRANGER_KEY);
    expect(held.status).toBe(429);
    expect(held.body.error.code).toBe('rate_limited');
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(60);
    // Registering does not get around it; another address is unaffected.
    expect((await client.signIn(STRANGER_KEY, '/api/auth/register')).status).toBe(429);
    expect((await client.signIn(TEST_KEY, '/api/auth/register')).status).toBe(201);
  });
});

describe('outstanding challenges', () => {
  test('a session holds at most MAX_CHALLENGES_PER_SESSION; the oldest is dropped', async () => {
    const { server, stores } = setup({ maxChallengesPerSession: 2 });
    const client = browser(server);
    const first = await client.challenge();
    const second = await client.challenge();
    const third = await client.challenge();
    expect(await stores.challenges.count()).toBe(2);
    const signature = signMessage({ message: first.body.message, privateKey: TEST_KEY });
    const late = await client.agent.post('/api/auth/register').send({ sid: first.body.sid, signature });
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe('challenge_not_found');
    expect(second.status).toBe(200);
    const newest = signMessage({ message: third.body.message, privateKey: TEST_KEY });
    expect((await client.agent.post('/api/auth/register').send({ sid: third.body.sid, signature: newest })).status).toBe(201);
  });

  test('past MAX_CHALLENGES in all, challenges get 503 until some expire', async () => {
    const { server, stores, clock } = setup({ maxChallenges: 3, challengeTtlMs: 60_000 });
    for (let i = 0; i < 3; i += 1) expect((await browser(server).challenge()).status).toBe(200);
    const refused = await browser(server).challenge();
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('service_unavailable');
    expect(refused.headers['retry-after']).toBe('5');
    expect(await stores.challenges.count()).toBe(3);
    clock.advance(60_000 + 60_000);
    expect((await browser(server).challenge()).status).toBe(200);
  });
});

describe('audit log', () => {
  test('records each sign-in attempt with outcome, address, IP, user agent and instance', async () => {
    const { server, stores, clock } = setup({ registration: 'open' });
    const client = browser(server, 'AuditBrowser/2.0');
    expect((await client.signIn(TEST_KEY)).status).toBe(403); // not registered yet
    clock.advance(1000);
    expect((await client.signIn(TEST_KEY, '/api/auth/register')).status).toBe(201);
    clock.advance(1000);
    expect((await client.agent.post('/api/auth/login').send({ sid: 'A'.repeat(24), signature: '0x1234' })).status).toBe(400);
    clock.advance(1000);
    expect((await client.post('/api/auth/logout')).status).toBe(204);

    const entries = await stores.audit.query({});
    expect(entries.map((e) => [e.action, e.outcome, e.address])).toStrictEqual([
      ['logout', 'ok', ADDRESS],
      ['login', 'invalid_request', undefined],
      ['register', 'ok', ADDRESS],
      ['login', 'address_not_registered', ADDRESS],
    ]);
    expect(entries[3]).toMatchObject({ at: TEST_START_TIME, ip: expect.stringMatching(/127\.0\.0\.1/), userAgent: 'AuditBrowser/2.0', instance: 'test-instance' });
    expect(await stores.audit.query({ address: ADDRESS, since: TEST_START_TIME + 1 })).toHaveLength(2);
  });
});

describe('session list', () => {
  async function twoSessions() {
    const harness = setup();
    await harness.stores.users.add(ADDRESS, TEST_START_TIME);
    const laptop = browser(harness.server, 'Laptop/1.0');
    const phone = browser(harness.server, 'Phone/1.0');
    expect((await laptop.signIn()).status).toBe(200);
    harness.clock.advance(5000);
    expect((await phone.signIn()).status).toBe(200);
    return { ...harness, laptop, phone };
  }

  test('lists the sessions of the signed-in address, newest first, marking the current one', async () => {
    const { laptop, phone, clock } = await twoSessions();
    clock.advance(120_000);
    expect((await laptop.get('/api/auth/me')).status).toBe(200);
    const listed = await laptop.get('/api/auth/sessions');
    expect(listed.status).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.body.sessions).toStrictEqual([
      { id: expect.any(String), createdAt: TEST_START_TIME + 5000, lastSeenAt: TEST_START_TIME + 5000, expiresAt: expect.any(Number), userAgent: 'Phone/1.0', current: false },
      { id: expect.any(String), createdAt: TEST_START_TIME, lastSeenAt: TEST_START_TIME + 125_000, expiresAt: expect.any(Number), userAgent: 'Laptop/1.0', current: true },
    ]);
    const fromPhone = await phone.get('/api/auth/sessions');
    expect(fromPhone.body.sessions.map((s: { current: boolean }) => s.current)).toStrictEqual([true, false]);
  });

  test('revoking another session ends it there and keeps this one', async () => {
    const { laptop, phone, stores, published } = await twoSessions();
    const { body } = await laptop.get('/api/auth/sessions');
    const phoneId = body.sessions.find((s: { current: boolean }) => !s.current).id as string;
    expect((await laptop.delete(`/api/auth/sessions/${phoneId}`)).status).toBe(204);
    // The phone's live-session socket, on whichever instance, hears of it.
    expect(published).toStrictEqual([{ address: ADDRESS, storeKey: phoneId }]);
    expect((await phone.get('/api/auth/me')).status).toBe(401);
    expect((await laptop.get('/api/auth/me')).status).toBe(200);
    expect(await stores.sessions.count()).toBe(1);
    expect((await stores.audit.query({ address: ADDRESS }))[0]).toMatchObject({ action: 'revoke', outcome: 'ok' });
  });

  test('a session of someone else, or an unknown id, is not found and nothing changes', async () => {
    const { server, stores, laptop } = await twoSessions();
    await stores.users.add(STRANGER, TEST_START_TIME);
    const stranger = browser(server, 'Stranger/1.0');
    expect((await stranger.signIn(STRANGER_KEY)).status).toBe(200);
    const { body } = await stranger.get('/api/auth/sessions');
    const strangerId = body.sessions[0].id as string;
    for (const id of [strangerId, 'unknown', '..%2F..']) {
      const refused = await laptop.delete(`/api/auth/sessions/${id}`);
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe('not_found');
    }
    expect((await stranger.get('/api/auth/me')).status).toBe(200);
    expect(await stores.sessions.count()).toBe(3);
  });

  test('sign out everywhere ends every session of the address and only those', async () => {
    const { server, stores, laptop, phone, published } = await twoSessions();
    await stores.users.add(STRANGER, TEST_START_TIME);
    const stranger = browser(server, 'Stranger/1.0');
    expect((await stranger.signIn(STRANGER_KEY)).status).toBe(200);
    const done = await phone.post('/api/auth/logout-all');
    expect(done.status).toBe(200);
    expect(done.body).toStrictEqual({ revoked: 2 });
    expect(published).toStrictEqual([{ address: ADDRESS }]);
    expect((await laptop.get('/api/auth/me')).status).toBe(401);
    expect((await phone.get('/api/auth/me')).status).toBe(401);
    expect((await stranger.get('/api/auth/me')).status).toBe(200);
    expect(await stores.sessions.count()).toBe(1);
  });

  test('logout, revoking this session and sign out everywhere delete it from the store once', async () => {
    const deletes: string[] = [];
    const counting = (real: Stores): Stores => ({
      ...real,
      sessions: {
        ...real.sessions,
        destroy: (id) => (deletes.push(`destroy ${id}`), real.sessions.destroy(id)),
        destroyAllFor: (address) => (deletes.push(`destroyAllFor ${address}`), real.sessions.destroyAllFor(address)),
      },
    });
    const { server, stores } = setup({}, counting);
    await stores.users.add(ADDRESS, TEST_START_TIME);
    const client = browser(server);
    const ids = async () => (await client.get('/api/auth/sessions')).body.sessions.map((s: { id: string }) => s.id) as string[];

    expect((await client.signIn()).status).toBe(200);
    const [first] = await ids();
    deletes.length = 0;
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    expect(deletes).toStrictEqual([`destroy ${first}`]);

    expect((await client.signIn()).status).toBe(200);
    const [second] = await ids();
    deletes.length = 0;
    expect((await client.delete(`/api/auth/sessions/${second}`)).status).toBe(204);
    expect(deletes).toStrictEqual([`destroy ${second}`]);

    expect((await client.signIn()).status).toBe(200);
    deletes.length = 0;
    expect((await client.post('/api/auth/logout-all')).status).toBe(200);
    expect(deletes).toStrictEqual([`destroyAllFor ${ADDRESS}`]);
    expect((await client.get('/api/auth/me')).status).toBe(401);
    expect(await stores.sessions.count()).toBe(0);
  });

  test('signed out, the session routes answer 401 unauthenticated', async () => {
    const { server } = setup();
    const client = browser(server);
    for (const res of [await client.get('/api/auth/sessions'), await client.post('/api/auth/logout-all'), await client.delete('/api/auth/sessions/x')]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });
});
