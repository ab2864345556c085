// The HTTP contract, end to end through supertest against createApp on a real SQLite file:
// every error code, replay, cross-session use, expiry on a pinned clock, session id
// regeneration, logout, cookie attributes, restart.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { Web3 } from 'web3';
import { createApp, type AppConfig } from './app';
import { openSqliteStores } from './stores/sqlite';
import type { StoredChallenge, Stores } from './stores/types';
import { sessionStoreKey } from './middleware/session';
import { createTestClock, type MutableClock, privateKeyToAddress, signMessage, startTestServer, TEST_KEY, TEST_START_TIME, testAppConfig } from '@wallet-login/testkit';

const ORIGIN = 'http://localhost:8080';
const ADDRESS = privateKeyToAddress(TEST_KEY);
const OTHER_KEY = `0x${'42'.repeat(32)}`;

type Server = ReturnType<ReturnType<typeof createApp>['callback']>;

interface Harness {
  server: Server;
  stores: Stores;
  clock: MutableClock;
  config: AppConfig;
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function setup(overrides: Partial<AppConfig> = {}, storesOverride?: (stores: Stores) => Stores): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-login-app-'));
  const clock = createTestClock(TEST_START_TIME);
  const real = openSqliteStores({ file: join(dir, 'db.sqlite'), clock });
  const stores = storesOverride ? storesOverride(real) : real;
  const config = testAppConfig(ORIGIN, overrides);
  const app = createApp({ config, stores, clock, random: (n) => randomBytes(n), logger: pino({ level: 'silent' }) });
  cleanups.push(async () => {
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server: app.callback(), stores, clock, config };
}

/** A cookie-keeping client, as a browser is. */
class Client {
  readonly jar = new Map<string, string>();
  lastSetCookie: string[] = [];

  constructor(private readonly server: Server | string) {}

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keep(res: request.Response): request.Response {
    const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
    this.lastSetCookie = raw ?? [];
    for (const line of this.lastSetCookie) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async post(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<request.Response> {
    let req = request(this.server).post(path).set('Cookie', this.cookieHeader());
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    return this.keep(await (body === undefined ? req : req.send(body as object)));
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<request.Response> {
    let req = request(this.server).get(path).set('Cookie', this.cookieHeader());
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    return this.keep(await req);
  }

  /** Challenge → sign → login/register; returns the final response. */
  async signIn(key = TEST_KEY, { mode = 'login', format = 'siwe' }: { mode?: 'login' | 'register'; format?: 'siwe' | 'json' } = {}) {
    const challenge = await this.post('/api/auth/challenge', { format, address: privateKeyToAddress(key) });
    expect(challenge.status).toBe(200);
    const signature = signMessage({ message: challenge.body.message, privateKey: key });
    return this.post(`/api/auth/${mode}`, { sid: challenge.body.sid, signature, message: challenge.body.message });
  }
}

function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

async function register(h: Harness, key = TEST_KEY): Promise<void> {
  await h.stores.users.add(privateKeyToAddress(key), h.clock.now());
}

describe('GET /healthz', () => {
  test('answers 200', async () => {
    const res = await request(setup().server).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('POST /api/auth/challenge', () => {
  test('issues an EIP-4361 message bound to a new HttpOnly session cookie', async () => {
    const h = setup();
    const client = new Client(h.server);
    const res = await client.post('/api/auth/challenge', { address: ADDRESS });
    expect(res.status).toBe(200);
    const { sid, timestamp, expiresAt, format, message } = res.body;
    expect(sid).toMatch(/^[A-Za-z0-9]{22,}$/);
    expect(timestamp).toBe(TEST_START_TIME);
    expect(expiresAt).toBe(TEST_START_TIME + 300_000);
    expect(format).toBe('siwe');
    expect(message).toBe([
      'localhost:8080 wants you to sign in with your Ethereum account:',
      ADDRESS,
      '',
      'Sign in with your Ethereum account.',
      '',
      'URI: http://localhost:8080',
      'Version: 1',
      'Chain ID: 1',
      `Nonce: ${sid}`,
      'Issued At: 2026-01-01T00:00:00.000Z',
      'Expiration Time: 2026-01-01T00:05:00.000Z',
    ].join('\n'));
    const cookie = client.lastSetCookie.find((line) => line.startsWith('wl.sid='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; path=\//);
    expect(cookie).toMatch(/; samesite=lax/);
    expect(cookie).toMatch(/; httponly/);
    expect(cookie).not.toMatch(/; secure/);
    expect(client.lastSetCookie.some((line) => line.startsWith('wl.sid.sig='))).toBe(true);
    // The sid is never the session id.
    expect(client.jar.get('wl.sid')).not.toContain(sid);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await h.stores.challenges.count()).toBe(1);
  });

  test('stores each challenge with the site (EIP-4361 domain and URI) its message names', async () => {
    const stored: StoredChallenge[] = [];
    const h = setup({ allowedOrigins: [ORIGIN, 'https://sso.example.test'] }, (stores) => ({
      ...stores,
      challenges: {
        ...stores.challenges,
        put: (challenge, ttlMs) => {
          stored.push(challenge);
          return stores.challenges.put(challenge, ttlMs);
        },
      },
    }));
    await new Client(h.server).post('/api/auth/challenge', {});
    await new Client(h.server).post('/api/auth/challenge', {}, { Origin: 'https://sso.example.test' });
    expect(stored.map(({ domain, uri }) => ({ domain, uri }))).toStrictEqual([
      { domain: 'localhost:8080', uri: 'http://localhost:8080' },
      { domain: 'sso.example.test', uri: 'https://sso.example.test' },
    ]);
    expect(stored[1]!.message).toMatch(/^sso\.example\.test wants you to sign in[^]*\nURI: https:\/\/sso\.example\.test\n/);
  });

  test('renders the JSON form exactly', async () => {
    const res = await new Client(setup().server).post('/api/auth/challenge', { format: 'json' });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe(`{"sid":"${res.body.sid}","timestamp":"${TEST_START_TIME}"}`);
  });

  test('accepts no body at all, and a lower-case address (checksummed in the message)', async () => {
    const h = setup();
    expect((await new Client(h.server).post('/api/auth/challenge')).status).toBe(200);
    const res = await new Client(h.server).post('/api/auth/challenge', { address: ADDRESS.toLowerCase() });
    expect(res.body.message.split('\n')[1]).toBe(ADDRESS);
  });

  test('keeps one session across several challenges', async () => {
    const h = setup();
    const client = new Client(h.server);
    await client.post('/api/auth/challenge');
    const first = client.jar.get('wl.sid');
    await client.post('/api/auth/challenge');
    expect(client.jar.get('wl.sid')).toBe(first);
    expect(await h.stores.sessions.count()).toBe(1);
  });

  test('a pre-login session lasts only as long as its newest challenge can be answered', async () => {
    const h = setup();
    const client = new Client(h.server);
    await client.post('/api/auth/challenge');
    h.clock.advance(300_000);
    await client.post('/api/auth/challenge');
    const id = client.jar.get('wl.sid')!;
    h.clock.advance(360_000 - 1);
    expect(await h.stores.sessions.get(sessionStoreKey(id))).toBeDefined();
    h.clock.advance(1);
    expect(await h.stores.sessions.get(sessionStoreKey(id))).toBeUndefined();
  });

  test.each([
    ['a bad EIP-55 checksum', { address: ADDRESS.replace('c7536', 'C7536') }],
    ['a short address', { address: '0x1234' }],
    ['an unknown format', { format: 'xml' }],
    ['a numeric address', { address: 12 }],
  ])('refuses %s with 400 invalid_request', async (_name, body) => {
    const h = setup();
    expectError(await new Client(h.server).post('/api/auth/challenge', body), 400, 'invalid_request');
    expect(await h.stores.challenges.count()).toBe(0);
  });
});

describe('register and login', () => {
  test('register creates the user (201), logs in, and /me answers', async () => {
    const h = setup();
    const client = new Client(h.server);
    const res = await client.signIn(TEST_KEY, { mode: 'register' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ address: ADDRESS });
    expect(await h.stores.users.has(ADDRESS)).toBe(true);
    const me = await client.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ address: ADDRESS, createdAt: TEST_START_TIME, expiresAt: TEST_START_TIME + 86_400_000 });
  });

  test('registering an already registered address just logs in (200), keeping the first registration', async () => {
    const h = setup();
    await h.stores.users.add(ADDRESS, 1000);
    const res = await new Client(h.server).signIn(TEST_KEY, { mode: 'register' });
    expect(res.status).toBe(200);
    expect(await h.stores.users.list()).toEqual([{ address: ADDRESS, createdAt: 1000 }]);
  });

  test('login of a registered address with either format', async () => {
    const h = setup();
    await register(h);
    for (const format of ['siwe', 'json'] as const) {
      const client = new Client(h.server);
      expect((await client.signIn(TEST_KEY, { format })).body).toEqual({ address: ADDRESS });
      expect((await client.get('/api/auth/me')).body.address).toBe(ADDRESS);
    }
  });

  test('the JSON form signed the older way (web3.utils.toHex) logs in without sending the message', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const { body } = await client.post('/api/auth/challenge', { format: 'json' });
    const web3 = new Web3();
    const signature = web3.eth.accounts.sign(web3.utils.toHex(JSON.stringify({ sid: body.sid, timestamp: String(body.timestamp) })), TEST_KEY).signature;
    const res = await client.post('/api/auth/login', { sid: body.sid, signature });
    expect(res.status).toBe(200);
  });

  test('an unregistered signer gets 403 address_not_registered and nothing is stored', async () => {
    const h = setup();
    const client = new Client(h.server);
    expectError(await client.signIn(), 403, 'address_not_registered');
    expect(await h.stores.users.list()).toEqual([]);
    expectError(await client.get('/api/auth/me'), 401, 'unauthenticated');
  });

  test('with registration closed, register is 403 registration_closed and login still works', async () => {
    const h = setup({ registration: 'closed' });
    expectError(await new Client(h.server).signIn(TEST_KEY, { mode: 'register' }), 403, 'registration_closed');
    expect(await h.stores.users.list()).toEqual([]);
    await register(h);
    expect((await new Client(h.server).signIn()).status).toBe(200);
  });

  test('the session id is regenerated at login: the pre-login cookie is dead', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    await client.post('/api/auth/challenge');
    const preLogin = client.cookieHeader();
    const preLoginId = client.jar.get('wl.sid')!;
    const challenge = await client.post('/api/auth/challenge', { address: ADDRESS });
    const signature = signMessage({ message: challenge.body.message, privateKey: TEST_KEY });
    expect((await client.post('/api/auth/login', { sid: challenge.body.sid, signature })).status).toBe(200);
    expect(client.jar.get('wl.sid')).not.toBe(preLoginId);
    expect(await h.stores.sessions.get(sessionStoreKey(preLoginId))).toBeUndefined();
    const planted = await request(h.server).get('/api/auth/me').set('Cookie', preLogin);
    expectError(planted, 401, 'unauthenticated');
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  test('a login writes the new session once and deletes the pre-login one', async () => {
    const calls: string[] = [];
    const h = setup({}, (stores) => ({
      ...stores,
      sessions: {
        ...stores.sessions,
        set: async (...args) => (calls.push('set'), stores.sessions.set(...args)),
        update: async (...args) => (calls.push('update'), stores.sessions.update(...args)),
        destroy: async (...args) => (calls.push('destroy'), stores.sessions.destroy(...args)),
      },
    }));
    await register(h);
    const client = new Client(h.server);
    const challenge = await client.post('/api/auth/challenge', { address: ADDRESS });
    calls.length = 0;
    const signature = signMessage({ message: challenge.body.message, privateKey: TEST_KEY });
    expect((await client.post('/api/auth/login', { sid: challenge.body.sid, signature })).status).toBe(200);
    expect(calls).toEqual(['destroy', 'set']);
    calls.length = 0;
    expect((await client.get('/api/auth/me')).status).toBe(200);
    // Unchanged and written a moment ago: not rewritten (SESSION_REFRESH_MS).
    expect(calls).toEqual([]);
  });

  test('session ids are 256-bit random, not UUIDs, and stored only hashed', async () => {
    const h = setup();
    const client = new Client(h.server);
    await client.post('/api/auth/challenge');
    const id = client.jar.get('wl.sid')!;
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(await h.stores.sessions.get(id)).toBeUndefined();
    expect(await h.stores.sessions.get(sessionStoreKey(id))).toBeDefined();
  });
});

describe('the site a challenge names', () => {
  const SUBDOMAIN = 'https://b.example.test';

  /** Stores whose challenges keep every field they were put with. */
  async function challengeFrom(client: Client, origin: string) {
    const { body } = await client.post('/api/auth/challenge', { address: ADDRESS }, { Origin: origin });
    expect(body.message.split('\n')[0]).toBe(`${new URL(origin).host} wants you to sign in with your Ethereum account:`);
    return { sid: body.sid as string, signature: signMessage({ message: body.message, privateKey: TEST_KEY }) };
  }

  test('login verifies against the site stored with the challenge, whichever origin the login comes from', async () => {
    const h = setup({ allowedOrigins: [ORIGIN, SUBDOMAIN] });
    await register(h);
    const client = new Client(h.server);
    const c = await challengeFrom(client, SUBDOMAIN);
    expect((await client.post('/api/auth/login', c)).status).toBe(200);
  });

  test('a challenge stored without its site is verified against the site the login comes from', async () => {
    const h = setup({ allowedOrigins: [ORIGIN, SUBDOMAIN] }, (stores) => ({
      ...stores,
      challenges: { ...stores.challenges, take: async (sid, binding) => {
        const taken = await stores.challenges.take(sid, binding);
        if (!taken) return taken;
        const { domain: _domain, uri: _uri, ...older } = taken;
        return older;
      } },
    }));
    await register(h);
    const client = new Client(h.server);
    expect((await client.post('/api/auth/login', await challengeFrom(client, SUBDOMAIN), { Origin: SUBDOMAIN })).status).toBe(200);
    expectError(await client.post('/api/auth/login', await challengeFrom(client, SUBDOMAIN), { Origin: ORIGIN }), 401, 'message_mismatch');
  });
});

describe('challenge use', () => {
  async function issue(client: Client, key = TEST_KEY) {
    const { body } = await client.post('/api/auth/challenge', { address: privateKeyToAddress(key) });
    return { ...body, signature: signMessage({ message: body.message, privateKey: key }) } as { sid: string; message: string; signature: string };
  }

  test('a used challenge is refused: 401 challenge_not_found', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const c = await issue(client);
    expect((await client.post('/api/auth/login', { sid: c.sid, signature: c.signature })).status).toBe(200);
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
  });

  test('a failed attempt uses the challenge up too', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const c = await issue(client);
    const wrong = signMessage({ message: c.message, privateKey: OTHER_KEY });
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature: wrong }), 401, 'signature_invalid');
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
  });

  test('a malformed signature is 400 and does not use the challenge', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const c = await issue(client);
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature: `${c.signature}00` }), 400, 'invalid_request');
    expect((await client.post('/api/auth/login', { sid: c.sid, signature: c.signature })).status).toBe(200);
  });

  test("another session's challenge is refused, and so is one sent without a cookie", async () => {
    const h = setup();
    await register(h);
    const victim = new Client(h.server);
    const c = await issue(victim);
    const attacker = new Client(h.server);
    await attacker.post('/api/auth/challenge');
    expectError(await attacker.post('/api/auth/login', { sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expectError(await attacker.get('/api/auth/me'), 401, 'unauthenticated');
    const c2 = await issue(victim);
    expectError(await request(h.server).post('/api/auth/login').send({ sid: c2.sid, signature: c2.signature }), 401, 'challenge_not_found');
  });

  test('an unknown sid is 401 challenge_not_found', async () => {
    const h = setup();
    const client = new Client(h.server);
    await client.post('/api/auth/challenge');
    const signature = signMessage({ message: 'x', privateKey: TEST_KEY });
    expectError(await client.post('/api/auth/login', { sid: 'A'.repeat(24), signature }), 401, 'challenge_not_found');
  });

  test('expiry follows the server clock: just before is fine, at expiry 401 challenge_expired', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const early = await issue(client);
    h.clock.advance(300_000 - 1);
    expect((await client.post('/api/auth/login', { sid: early.sid, signature: early.signature })).status).toBe(200);

    const late = await issue(client);
    h.clock.advance(300_000);
    expectError(await client.post('/api/auth/login', { sid: late.sid, signature: late.signature }), 401, 'challenge_expired');
    const gone = await issue(client);
    h.clock.advance(3_600_000);
    expectError(await client.post('/api/auth/login', { sid: gone.sid, signature: gone.signature }), 401, 'challenge_not_found');
  });

  test('a message sent along must be the issued one byte for byte: 401 message_mismatch', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const c = await issue(client);
    const edited = c.message.replace('localhost:8080', 'evil.test');
    const signature = signMessage({ message: edited, privateKey: TEST_KEY });
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature, message: edited }), 401, 'message_mismatch');
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
  });

  test('a signature by another key than the address in the message is 401 signature_invalid', async () => {
    const h = setup();
    await register(h);
    await register(h, OTHER_KEY);
    const client = new Client(h.server);
    const c = await issue(client);
    const signature = signMessage({ message: c.message, privateKey: OTHER_KEY });
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature }), 401, 'signature_invalid');
    expectError(await client.get('/api/auth/me'), 401, 'unauthenticated');
  });

  test('20 parallel logins with one challenge yield exactly one session', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const c = await issue(client);
    const cookie = client.cookieHeader();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => request(h.server).post('/api/auth/login').set('Cookie', cookie).send({ sid: c.sid, signature: c.signature })),
    );
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    expect(results.filter((res) => res.status === 401 && res.body.error.code === 'challenge_not_found')).toHaveLength(19);
  });
});

describe('sessions', () => {
  test('logout deletes the session server-side, clears the cookie, and the old cookie is dead', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    const signedIn = client.cookieHeader();
    const before = await h.stores.sessions.count();
    const res = await client.post('/api/auth/logout');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(client.lastSetCookie.find((line) => line.startsWith('wl.sid='))).toMatch(/^wl\.sid=;.*expires=Thu, 01 Jan 1970/);
    expect(await h.stores.sessions.count()).toBe(before - 1);
    expectError(await request(h.server).get('/api/auth/me').set('Cookie', signedIn), 401, 'unauthenticated');
  });

  test('a request in flight during logout does not bring the session back', async () => {
    let hold: Promise<void> | undefined;
    let release = (): void => {};
    let loaded = (): void => {};
    const loadedOnce = new Promise<void>((resolve) => (loaded = resolve));
    const h = setup({}, (stores) => ({
      ...stores,
      sessions: {
        ...stores.sessions,
        get: async (id) => {
          const data = await stores.sessions.get(id);
          const gate = hold;
          hold = undefined;
          if (gate) {
            loaded();
            await gate;
          }
          return data;
        },
      },
    }));
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    hold = new Promise<void>((resolve) => (release = resolve));
    const inFlight = client.get('/api/auth/me'); // reads the session, then waits
    await loadedOnce;
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    release();
    expect((await inFlight).status).toBe(200); // it had read a live session
    expect(await h.stores.sessions.count()).toBe(0);
  });

  test('logout without a session is a harmless 204', async () => {
    expect((await request(setup().server).post('/api/auth/logout')).status).toBe(204);
  });

  test('idle timeout: activity keeps the session, idleness past the limit ends it', async () => {
    const h = setup({ sessionIdleMs: 60_000, sessionAbsoluteMs: 3_600_000 });
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    h.clock.advance(59_000);
    expect((await client.get('/api/auth/me')).status).toBe(200);
    h.clock.advance(59_000);
    expect((await client.get('/api/auth/me')).body.expiresAt).toBe(h.clock.now() + 60_000);
    h.clock.advance(60_001);
    expectError(await client.get('/api/auth/me'), 401, 'unauthenticated');
  });

  test('absolute timeout ends even an active session', async () => {
    const h = setup({ sessionIdleMs: 60_000, sessionAbsoluteMs: 120_000 });
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    h.clock.advance(50_000);
    expect((await client.get('/api/auth/me')).status).toBe(200);
    h.clock.advance(50_000);
    const me = await client.get('/api/auth/me');
    expect(me.body.expiresAt).toBe(TEST_START_TIME + 120_000);
    h.clock.advance(20_000);
    expectError(await client.get('/api/auth/me'), 401, 'unauthenticated');
  });

  test('a tampered cookie or signature is not honoured', async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    const id = client.jar.get('wl.sid')!;
    const sig = client.jar.get('wl.sid.sig')!;
    const flipped = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    expectError(await request(h.server).get('/api/auth/me').set('Cookie', `wl.sid=${flipped}; wl.sid.sig=${sig}`), 401, 'unauthenticated');
    expectError(await request(h.server).get('/api/auth/me').set('Cookie', `wl.sid=${id}; wl.sid.sig=${sig.slice(1)}x`), 401, 'unauthenticated');
    expectError(await request(h.server).get('/api/auth/me').set('Cookie', `wl.sid=${id}`), 401, 'unauthenticated');
  });

  test('over https (behind a trusted proxy) the cookie is __Host- prefixed and Secure', async () => {
    const h = setup({ publicOrigin: 'https://app.example.test', allowedOrigins: ['https://app.example.test'], trustProxy: true });
    const res = await request(h.server).post('/api/auth/challenge').set('X-Forwarded-Proto', 'https').send({});
    expect(res.status).toBe(200);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('__Host-wl.sid='));
    expect(cookie).toMatch(/; path=\/; expires=[^;]+; samesite=lax; secure; httponly$/);
    expect(res.body.message.startsWith('app.example.test wants you to sign in')).toBe(true);
  });

  test('a restart keeps every session (same data directory and keys)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-restart-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestServer({ dataDir });
    await first.stores.users.add(ADDRESS, first.clock.now());
    const client = new Client(first.url);
    await client.signIn();
    await first.close();

    const second = await startTestServer({ dataDir });
    cleanups.push(() => second.close());
    const me = await request(second.url).get('/api/auth/me').set('Cookie', client.cookieHeader());
    expect(me.status).toBe(200);
    expect(me.body.address).toBe(ADDRESS);
  });
});

describe('routing', () => {
  test.each([
    ['/API/auth/logout', '/API/auth/challenge'],
    ['/api/AUTH/logout', '/api/AUTH/challenge'],
    ['/api/auth/Logout', '/api/auth/Challenge'],
  ])('paths match case-sensitively: POST %s is 404 and no guard is skipped', async (logout, challenge) => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    const before = await h.stores.challenges.count();
    expectError(await client.post(logout, undefined, { Origin: 'https://evil.test' }), 404, 'not_found');
    expectError(await client.post(challenge, {}, { Origin: 'https://evil.test' }), 404, 'not_found');
    expect(await h.stores.challenges.count()).toBe(before);
    expectError(await client.get('/API/auth/me'), 404, 'not_found');
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  test.each([
    ['GET', '/healthz'], ['GET', '/readyz'], ['GET', '/api/config'], ['GET', '/api/openapi.json'], ['GET', '/api/ws'], ['GET', '/api/auth/me'],
    ['POST', '/api/auth/challenge'], ['POST', '/api/auth/logout'], ['GET', '/nope'], ['GET', '/api/nope'],
  ])('%s %s is not stored by caches', async (method, path) => {
    const { server } = setup();
    const res = method === 'GET' ? await request(server).get(path) : await request(server).post(path);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test.each([
    ['POST', '/healthz', ['GET', 'HEAD']],
    ['DELETE', '/readyz', ['GET', 'HEAD']],
    ['POST', '/api/config', ['GET', 'HEAD']],
    ['POST', '/api/openapi.json', ['GET', 'HEAD']],
    ['DELETE', '/api/ws', ['GET', 'HEAD']],
    ['GET', '/api/auth/challenge', ['POST']],
    ['POST', '/api/auth/sessions/abc', ['DELETE']],
  ])('%s %s is 405 method_not_allowed with Allow', async (method, path, allowed) => {
    const { server } = setup();
    const res = await request(server)[method === 'POST' ? 'post' : method === 'DELETE' ? 'delete' : 'get'](path);
    expectError(res, 405, 'method_not_allowed');
    expect(String(res.headers.allow).split(', ').sort()).toEqual([...allowed].sort());
  });
});

describe('bad input and cross-site requests', () => {
  test.each([
    ['invalid JSON', '{"sid":', 'application/json', 400, 'invalid_request'],
    ['a JSON array', '[1,2]', 'application/json', 400, 'invalid_request'],
    ['a JSON scalar', '"hello"', 'application/json', 400, 'invalid_request'],
    ['JSON null', 'null', 'application/json', 400, 'invalid_request'],
    ['wrong types', '{"sid":1,"signature":true}', 'application/json', 400, 'invalid_request'],
    ['a missing signature', '{"sid":"AAAAAAAAAAAAAAAAAAAAAAAA"}', 'application/json', 400, 'invalid_request'],
    ['a sid with punctuation', `{"sid":"../../etc","signature":"0x${'1'.repeat(130)}"}`, 'application/json', 400, 'invalid_request'],
    ['a urlencoded form', 'sid=a&signature=b', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['text/plain', '{"sid":"a"}', 'text/plain', 415, 'unsupported_media_type'],
    ['a non-UTF-8 charset', '{}', 'application/json; charset=latin1', 415, 'unsupported_media_type'],
  ])('login with %s → %i %s', async (_name, body, type, status, code) => {
    const h = setup();
    const res = await request(h.server).post('/api/auth/login').set('Content-Type', type).send(body);
    expectError(res, status, code);
  });

  test('a 2 MB body is 413 payload_too_large', async () => {
    const res = await request(setup().server).post('/api/auth/login').set('Content-Type', 'application/json').send(`{"sid":"${'a'.repeat(2 * 1024 * 1024)}"}`);
    expectError(res, 413, 'payload_too_large');
  });

  test('unknown paths are 404 not_found and wrong methods 405 method_not_allowed', async () => {
    const h = setup();
    expectError(await request(h.server).get('/api/nope'), 404, 'not_found');
    expectError(await request(h.server).get('/nope'), 404, 'not_found');
    const res = await request(h.server).get('/api/auth/login');
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toContain('POST');
  });

  test('/me without a session is 401 unauthenticated', async () => {
    expectError(await request(setup().server).get('/api/auth/me'), 401, 'unauthenticated');
  });

  test.each([
    ['a foreign Origin', { Origin: 'https://evil.test' }],
    ['a look-alike Origin', { Origin: 'http://localhost:8080.evil.test' }],
    ['Origin null', { Origin: 'null' }],
    ['Sec-Fetch-Site cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'Sec-Fetch-Site': 'same-site' }],
  ])('a state-changing request with %s is 403 origin_forbidden and changes nothing', async (_name, headers) => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    expectError(await client.post('/api/auth/logout', undefined, headers), 403, 'origin_forbidden');
    expectError(await client.post('/api/auth/challenge', {}, headers), 403, 'origin_forbidden');
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  test('same-origin and allowlisted browsers, and clients with neither header, may post', async () => {
    const h = setup({ allowedOrigins: [ORIGIN, 'https://admin.example.test'] });
    const cases: Array<Record<string, string>> = [{ Origin: ORIGIN }, { Origin: 'https://admin.example.test' }, { 'Sec-Fetch-Site': 'same-origin' }, {}];
    for (const headers of cases) {
      expect((await new Client(h.server).post('/api/auth/challenge', {}, headers)).status).toBe(200);
    }
  });

  test('CORS grants credentials to allowlisted origins only', async () => {
    const h = setup({ allowedOrigins: [ORIGIN, 'https://admin.example.test'] });
    const allowed = await request(h.server).get('/api/auth/me').set('Origin', 'https://admin.example.test');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.test');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    for (const origin of ['https://evil.test', 'https://admin.example.test.evil.test', 'null', 'http://admin.example.test']) {
      const res = await request(h.server).get('/api/auth/me').set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
    const preflight = await request(h.server).options('/api/auth/login').set('Origin', 'https://admin.example.test').set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
  });

  test('a store failure is a 500 internal_error that says nothing internal', async () => {
    const h = setup({}, (stores) => ({
      ...stores,
      challenges: { ...stores.challenges, put: async () => { throw new Error('disk on fire at /var/lib/secret'); } },
    }));
    const res = await request(h.server).post('/api/auth/challenge').send({});
    expectError(res, 500, 'internal_error');
    expect(res.text).not.toContain('disk on fire');
  });
});
