// Signing in (routes/signIn.ts): challenges, login and register end to end through supertest
// against createApp on a real SQLite file, on a pinned clock: every error code, replay,
// cross-session use, expiry, session id regeneration, the site a challenge names, rate limits,
// bounded outstanding challenges and the audit log.

import request from 'supertest';
import { Web3 } from 'web3';
import type { AppConfig } from '../app';
import type { StoredChallenge, Stores } from '../stores/types';
import { sessionStoreKey } from '../middleware/session';
import { privateKeyToAddress, signMessage, TEST_KEY, TEST_START_TIME } from '@wallet-login/testkit';
import { ADDRESS, Client, closeApps, expectError, OTHER_KEY, ORIGIN, register, setup } from '../../test/support/app';

afterEach(closeApps);

/** CHALLENGE_FORMATS=siwe,json: the JSON form for development tooling. */
const WITH_JSON: Partial<AppConfig> = { challengeFormats: ['siwe', 'json'] };

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

  test('renders the JSON form exactly, when CHALLENGE_FORMATS enables it', async () => {
    const res = await new Client(setup(WITH_JSON).server).post('/api/auth/challenge', { format: 'json' });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe(`{"sid":"${res.body.sid}","timestamp":"${TEST_START_TIME}"}`);
  });

  test('the JSON form is off by default: asking for it is 400 invalid_request naming the formats issued, and stores nothing', async () => {
    const h = setup();
    const client = new Client(h.server);
    const res = await client.post('/api/auth/challenge', { format: 'json', address: ADDRESS });
    expectError(res, 400, 'invalid_request');
    expect(res.body.error.message).toBe('This server does not issue json challenges; it issues: siwe.');
    expect(await h.stores.challenges.count()).toBe(0);
    expect(await h.stores.sessions.count()).toBe(0);
    expect((await client.post('/api/auth/challenge', { format: 'siwe' })).status).toBe(200);
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
    expect(me.body).toEqual({ address: ADDRESS, method: 'eoa', createdAt: TEST_START_TIME, expiresAt: TEST_START_TIME + 86_400_000 });
  });

  test('registering an already registered address just logs in (200), keeping the first registration', async () => {
    const h = setup();
    await h.stores.users.add(ADDRESS, 1000);
    const res = await new Client(h.server).signIn(TEST_KEY, { mode: 'register' });
    expect(res.status).toBe(200);
    expect(await h.stores.users.list()).toEqual([{ address: ADDRESS, createdAt: 1000 }]);
  });

  test('login of a registered address with either format', async () => {
    const h = setup(WITH_JSON);
    await register(h);
    for (const format of ['siwe', 'json'] as const) {
      const client = new Client(h.server);
      expect((await client.signIn(TEST_KEY, { format })).body).toEqual({ address: ADDRESS });
      expect((await client.get('/api/auth/me')).body.address).toBe(ADDRESS);
    }
  });

  test('the JSON form signed the older way (web3.utils.toHex) logs in without sending the message', async () => {
    const h = setup(WITH_JSON);
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

  test('a challenge is stored with what its message was rendered from; one stored without (an older version) is parsed, with the same checks', async () => {
    let taken: StoredChallenge | undefined;
    let strip = false;
    const h = setup({}, (stores) => ({
      ...stores,
      challenges: {
        ...stores.challenges,
        take: async (...args) => {
          taken = await stores.challenges.take(...args);
          if (strip && taken) {
            const { chainId: _chainId, address: _address, ...older } = taken;
            return older;
          }
          return taken;
        },
      },
    }));
    await register(h);
    for (const older of [false, true]) {
      strip = older;
      const client = new Client(h.server);
      const named = await client.post('/api/auth/challenge', { address: ADDRESS });
      const wrong = signMessage({ message: named.body.message, privateKey: OTHER_KEY });
      expectError(await client.post('/api/auth/login', { sid: named.body.sid, signature: wrong }), 401, 'signature_invalid');
      expect(taken).toMatchObject({ format: 'siwe', chainId: 1, address: ADDRESS, domain: expect.any(String), uri: expect.any(String) });
      const again = await client.post('/api/auth/challenge', { address: ADDRESS });
      const signature = signMessage({ message: again.body.message, privateKey: TEST_KEY });
      expect((await client.post('/api/auth/login', { sid: again.body.sid, signature })).status).toBe(200);
    }
  });

  test('a login writes the new session once, deleting the pre-login one in the same write', async () => {
    const calls: string[] = [];
    const h = setup({}, (stores) => ({
      ...stores,
      sessions: {
        ...stores.sessions,
        set: async (...args) => (calls.push(args[4] === undefined ? 'set' : 'set replacing'), stores.sessions.set(...args)),
        update: async (...args) => (calls.push('update'), stores.sessions.update(...args)),
        destroy: async (...args) => (calls.push('destroy'), stores.sessions.destroy(...args)),
      },
    }));
    await register(h);
    const client = new Client(h.server);
    const challenge = await client.post('/api/auth/challenge', { address: ADDRESS });
    calls.length = 0;
    const signature = signMessage({ message: challenge.body.message, privateKey: TEST_KEY });
    const preLogin = client.cookieHeader();
    expect((await client.post('/api/auth/login', { sid: challenge.body.sid, signature })).status).toBe(200);
    expect(calls).toEqual(['set replacing']);
    // The pre-login session is gone: its cookie is signed out.
    expectError(await request(h.server).get('/api/auth/me').set('Cookie', preLogin), 401, 'unauthenticated');
    expect(await h.stores.sessions.count()).toBe(1);
    calls.length = 0;
    expect((await client.get('/api/auth/me')).status).toBe(200);
    // Unchanged and written a moment ago: not rewritten (SESSION_REFRESH_MS).
    expect(calls).toEqual([]);
  });

});

describe('the site a challenge names', () => {
  const SUBDOMAIN = 'https://b.example.test';

  async function challengeFrom(client: Client, origin: string) {
    const { body } = await client.post('/api/auth/challenge', { address: ADDRESS }, { Origin: origin });
    expect(body.message.split('\n')[0]).toBe(`${new URL(origin).host} wants you to sign in with your Ethereum account:`);
    return { sid: body.sid as string, signature: signMessage({ message: body.message, privateKey: TEST_KEY }) };
  }

  test('stores each challenge with the site (EIP-4361 domain and URI) its message names', async () => {
    const stored: StoredChallenge[] = [];
    const h = setup({ allowedOrigins: [ORIGIN, SUBDOMAIN] }, (stores) => ({
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
    await new Client(h.server).post('/api/auth/challenge', {}, { Origin: SUBDOMAIN });
    expect(stored.map(({ domain, uri }) => ({ domain, uri }))).toStrictEqual([
      { domain: new URL(ORIGIN).host, uri: ORIGIN },
      { domain: 'b.example.test', uri: SUBDOMAIN },
    ]);
    expect(stored[1]!.message).toMatch(/^b\.example\.test wants you to sign in[^]*\nURI: https:\/\/b\.example\.test\n/);
  });

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

  /** A fresh app with TEST_KEY registered, and a client holding one challenge issued to it. */
  async function issuedToRegistered() {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    return { h, client, c: await issue(client) };
  }

  /** The issued signature is refused now: the challenge was used up. */
  async function expectUsedUp(client: Client, c: { sid: string; signature: string }) {
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
  }

  test('a used challenge is refused: 401 challenge_not_found', async () => {
    const { client, c } = await issuedToRegistered();
    expect((await client.post('/api/auth/login', { sid: c.sid, signature: c.signature })).status).toBe(200);
    await expectUsedUp(client, c);
  });

  test('a failed attempt uses the challenge up too', async () => {
    const { client, c } = await issuedToRegistered();
    const wrong = signMessage({ message: c.message, privateKey: OTHER_KEY });
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature: wrong }), 401, 'signature_invalid');
    await expectUsedUp(client, c);
  });

  test('a malformed signature is 400 and does not use the challenge', async () => {
    const { client, c } = await issuedToRegistered();
    for (const signature of [`${c.signature}0`, `${c.signature.slice(0, 130)}1d`, '0x', `0x${'ab'.repeat(16 * 1024 + 1)}`]) {
      expectError(await client.post('/api/auth/login', { sid: c.sid, signature }), 400, 'invalid_request');
    }
    expect((await client.post('/api/auth/login', { sid: c.sid, signature: c.signature })).status).toBe(200);
  });

  test("a signature of another length than a key pair's is a contract wallet's: without RPC_URLS, 401 signature_invalid saying so, the challenge used up", async () => {
    const { client, c } = await issuedToRegistered();
    const res = await client.post('/api/auth/login', { sid: c.sid, signature: `${c.signature}00` });
    expectError(res, 401, 'signature_invalid');
    expect(res.body.error.message).toMatch(/contract wallets on chain 1 cannot be checked: the server needs an RPC for that chain in RPC_URLS/);
    await expectUsedUp(client, c);
  });

  test("over a challenge that names no address, a signature that is not a key pair's is 400 saying the address must be named, the challenge kept", async () => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    const challenge = await client.post('/api/auth/challenge', {});
    const signature = signMessage({ message: challenge.body.message, privateKey: TEST_KEY });
    const res = await client.post('/api/auth/login', { sid: challenge.body.sid, signature: `${signature}00` });
    expectError(res, 400, 'invalid_request');
    expect(res.body.error.message).toMatch(/not a 65-byte key-pair signature, so it can only be a contract wallet's, and a contract wallet must be named/);
    expect((await client.post('/api/auth/login', { sid: challenge.body.sid, signature })).status).toBe(200);
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
    const { client, c } = await issuedToRegistered();
    const edited = c.message.replace('localhost:8080', 'evil.test');
    const signature = signMessage({ message: edited, privateKey: TEST_KEY });
    expectError(await client.post('/api/auth/login', { sid: c.sid, signature, message: edited }), 401, 'message_mismatch');
    await expectUsedUp(client, c);
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
    const { h, client, c } = await issuedToRegistered();
    const cookie = client.cookieHeader();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => request(h.server).post('/api/auth/login').set('Cookie', cookie).send({ sid: c.sid, signature: c.signature })),
    );
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    expect(results.filter((res) => res.status === 401 && res.body.error.code === 'challenge_not_found')).toHaveLength(19);
  });
});

describe('rate limits', () => {
  test('an IP over its per-minute budget gets 429 rate_limited with Retry-After', async () => {
    const { server, stores } = setup({ rateLimitIpPerMinute: 3 });
    const client = new Client(server, 'TestBrowser/1.0');
    for (let i = 0; i < 3; i += 1) expect((await client.post('/api/auth/challenge', {})).status).toBe(200);
    const refused = await client.post('/api/auth/challenge', {});
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Login and register share the budget; the refused request stored nothing.
    expect((await client.post('/api/auth/login', { sid: 'x', signature: '0x' })).status).toBe(429);
    expect(await stores.challenges.count()).toBe(3);
  });

  test('a rate-limit store that fails gives 503 service_unavailable with Retry-After, and stores nothing', async () => {
    const failing = { consume: () => Promise.reject(new Error('connect ECONNREFUSED')), get: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const { server, stores } = setup({}, (real) => ({ ...real, createRateLimiter: () => failing as unknown as ReturnType<Stores['createRateLimiter']> }));
    const refused = await new Client(server).post('/api/auth/challenge', {});
    expect(refused.status).toBe(503);
    expect(refused.body.error).toStrictEqual({ code: 'service_unavailable', message: expect.not.stringMatching(/ECONNREFUSED/) });
    expect(refused.headers['retry-after']).toBe('1');
    expect(await stores.challenges.count()).toBe(0);
  });

  test('without TRUST_PROXY, X-Forwarded-For does not buy a fresh budget', async () => {
    const { server } = setup({ rateLimitIpPerMinute: 2, trustProxy: false });
    const client = new Client(server, 'TestBrowser/1.0');
    expect((await client.post('/api/auth/challenge', {}, { 'X-Forwarded-For': '198.51.100.1' })).status).toBe(200);
    expect((await client.post('/api/auth/challenge', {}, { 'X-Forwarded-For': '198.51.100.2' })).status).toBe(200);
    expect((await client.post('/api/auth/challenge', {}, { 'X-Forwarded-For': '198.51.100.3' })).status).toBe(429);
  });

  test('with TRUST_PROXY, each forwarded client IP has its own budget', async () => {
    const { server } = setup({ rateLimitIpPerMinute: 2, trustProxy: true });
    const client = new Client(server, 'TestBrowser/1.0');
    for (let i = 0; i < 2; i += 1) expect((await client.post('/api/auth/challenge', {}, { 'X-Forwarded-For': '198.51.100.1' })).status).toBe(200);
    expect((await client.post('/api/auth/challenge', {}, { 'X-Forwarded-For': '198.51.100.1' })).status).toBe(429);
    expect((await client.post('/api/auth/challenge', {}, { 'X-Forwarded-For': '198.51.100.2' })).status).toBe(200);
    // One hop only: a client-supplied address in front of the proxy's does not count.
    expect((await client.post('/api/auth/challenge', {}, { 'X-Forwarded-For': '203.0.113.9, 198.51.100.1' })).status).toBe(429);
  });

  test('an address that keeps failing is held back, even with a valid signature', async () => {
    const { server } = setup({ rateLimitAddressFailuresPerHour: 2 });
    const client = new Client(server, 'TestBrowser/1.0');
    // The stranger's signatures are valid but the address is not registered: each is a failure.
    for (let i = 0; i < 2; i += 1) expect((await client.signIn(OTHER_KEY)).body.error.code).toBe('address_not_registered');
    const held = await client.signIn(OTHER_KEY);
    expect(held.status).toBe(429);
    expect(held.body.error.code).toBe('rate_limited');
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(60);
    // Registering does not get around it; another address is unaffected.
    expect((await client.signIn(OTHER_KEY, { mode: 'register' })).status).toBe(429);
    expect((await client.signIn(TEST_KEY, { mode: 'register' })).status).toBe(201);
  });
});

describe('outstanding challenges', () => {
  test('a session holds at most MAX_CHALLENGES_PER_SESSION; the oldest is dropped', async () => {
    const { server, stores } = setup({ maxChallengesPerSession: 2 });
    const client = new Client(server, 'TestBrowser/1.0');
    const first = await client.post('/api/auth/challenge', { address: ADDRESS });
    const second = await client.post('/api/auth/challenge', { address: ADDRESS });
    const third = await client.post('/api/auth/challenge', { address: ADDRESS });
    expect(await stores.challenges.count()).toBe(2);
    const signature = signMessage({ message: first.body.message, privateKey: TEST_KEY });
    const late = await client.post('/api/auth/register', { sid: first.body.sid, signature });
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe('challenge_not_found');
    expect(second.status).toBe(200);
    const newest = signMessage({ message: third.body.message, privateKey: TEST_KEY });
    expect((await client.post('/api/auth/register', { sid: third.body.sid, signature: newest })).status).toBe(201);
  });

  test('past MAX_CHALLENGES in all, challenges get 503 until some expire', async () => {
    const { server, stores, clock } = setup({ maxChallenges: 3, challengeTtlMs: 60_000 });
    for (let i = 0; i < 3; i += 1) expect((await new Client(server).post('/api/auth/challenge', {})).status).toBe(200);
    const refused = await new Client(server).post('/api/auth/challenge', {});
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('service_unavailable');
    expect(refused.headers['retry-after']).toBe('5');
    expect(await stores.challenges.count()).toBe(3);
    clock.advance(60_000 + 60_000);
    expect((await new Client(server).post('/api/auth/challenge', {})).status).toBe(200);
  });
});

describe('audit log', () => {
  test('records each sign-in attempt with outcome, address, IP, user agent and instance', async () => {
    const { server, stores, clock } = setup({ registration: 'open' });
    const client = new Client(server, 'AuditBrowser/2.0');
    expect((await client.signIn(TEST_KEY)).status).toBe(403); // not registered yet
    clock.advance(1000);
    expect((await client.signIn(TEST_KEY, { mode: 'register' })).status).toBe(201);
    clock.advance(1000);
    expect((await client.post('/api/auth/login', { sid: 'A'.repeat(24), signature: `0x${'00'.repeat(65)}` })).status).toBe(400);
    clock.advance(1000);
    expect((await client.post('/api/auth/logout')).status).toBe(204);

    const entries = await stores.audit.query({});
    expect(entries.map((e) => [e.action, e.outcome, e.address, e.method])).toStrictEqual([
      ['logout', 'ok', ADDRESS, undefined],
      ['login', 'invalid_request', undefined, undefined],
      ['register', 'ok', ADDRESS, 'eoa'],
      ['login', 'address_not_registered', ADDRESS, 'eoa'],
    ]);
    expect(entries[3]).toMatchObject({ at: TEST_START_TIME, ip: expect.stringMatching(/127\.0\.0\.1/), userAgent: 'AuditBrowser/2.0', instance: 'test-instance' });
    expect(await stores.audit.query({ address: ADDRESS, since: TEST_START_TIME + 1 })).toHaveLength(2);
  });
});
