// The live-session WebSocket (/api/ws) against the real server in-process: who may connect, what
// it hears, and that it hears of a sign-out at once, from this instance or another one.

import { formatCookieHeader, register, signIn, type WalletSession } from '@wallet-login/client';
import { connectLiveSession, createTestClock, eventually, liveSessionUrl, refusal, startServing, TEST_KEY, TEST_START_TIME, type TestServing } from '@wallet-login/testkit';
import { createLocalSessionEvents } from '../events/local';
import { MAX_SOCKETS_PER_SESSION, SIGNED_OUT_CLOSE_CODE } from './liveSession';

const BOB = `0x${'42'.repeat(32)}`;

let server: TestServing;
beforeAll(async () => {
  server = await startServing({ config: { allowedOrigins: [] }, liveSessionRecheckMs: 60_000 });
});
afterAll(async () => {
  await server.close();
});

const cookieOf = (session: WalletSession): string => formatCookieHeader(session.cookies) ?? '';
const signedIn = async (privateKey = TEST_KEY): Promise<WalletSession> => (await register({ baseUrl: server.url, privateKey })).session;

describe('the upgrade', () => {
  test('a signed-in session connects and hears who is signed in', async () => {
    const session = await signedIn();
    const client = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: cookieOf(session) });
    expect(await client.next()).toEqual({ type: 'signed_in', address: session.address });
    expect(server.serving.liveSessions.count()).toBe(1);
    client.ws.close();
    await client.closed;
  });

  test('is refused with 401 unauthenticated without a cookie, with a forged one, and before sign-in', async () => {
    const url = liveSessionUrl(server.url);
    expect(await refusal(connectLiveSession({ url }))).toEqual({ status: 401, body: { error: { code: 'unauthenticated', message: 'Not signed in.' } } });

    const session = await signedIn();
    const forged = cookieOf(session).replace(/wl\.sid=[^;]+/, 'wl.sid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await refusal(connectLiveSession({ url, cookie: forged }))).status).toBe(401);

    // A pre-login session (a challenge was asked for, nothing signed) is nobody.
    const challenge = await fetch(`${server.url}/api/auth/challenge`, { method: 'POST' });
    const preLogin = challenge.headers.getSetCookie().map((line) => line.split(';', 1)[0]).join('; ');
    expect(preLogin).toContain('wl.sid=');
    expect((await refusal(connectLiveSession({ url, cookie: preLogin }))).status).toBe(401);
  });

  test('is refused with 403 origin_forbidden from a page on another site, and accepted from its own origin', async () => {
    const session = await signedIn();
    const url = liveSessionUrl(server.url);
    const refused = await refusal(connectLiveSession({ url, cookie: cookieOf(session), origin: 'https://evil.example' }));
    expect(refused).toEqual({ status: 403, body: { error: { code: 'origin_forbidden', message: expect.any(String) } } });

    const own = await connectLiveSession({ url, cookie: cookieOf(session), origin: server.url });
    expect(await own.next()).toEqual({ type: 'signed_in', address: session.address });
    own.ws.close();
  });

  test(`a session may hold ${MAX_SOCKETS_PER_SESSION} sockets on an instance; one more is refused with 429 rate_limited`, async () => {
    const session = await signedIn();
    const url = liveSessionUrl(server.url);
    const clients = [];
    for (let i = 0; i < MAX_SOCKETS_PER_SESSION; i += 1) clients.push(await connectLiveSession({ url, cookie: cookieOf(session) }));
    const refused = await refusal(connectLiveSession({ url, cookie: cookieOf(session) }));
    expect(refused).toEqual({ status: 429, body: { error: { code: 'rate_limited', message: expect.any(String) } } });
    // Another session is not held back by this one's sockets.
    const other = await connectLiveSession({ url, cookie: cookieOf(await signedIn()) });
    expect(await other.next()).toMatchObject({ type: 'signed_in' });
    await session.logout();
    for (const client of clients) expect(await client.closed).toEqual({ code: SIGNED_OUT_CLOSE_CODE, reason: 'signed_out' });
    other.ws.close();
  });

  test('another path is 404 not_found, and a plain GET without an upgrade is 400 invalid_request', async () => {
    const session = await signedIn();
    const wrong = await refusal(connectLiveSession({ url: `${server.url.replace('http', 'ws')}/api/other`, cookie: cookieOf(session) }));
    expect(wrong).toEqual({ status: 404, body: { error: { code: 'not_found', message: expect.any(String) } } });

    const plain = await fetch(`${server.url}/api/ws`);
    expect(plain.status).toBe(400);
    expect(await plain.json()).toEqual({ error: { code: 'invalid_request', message: expect.stringContaining('WebSocket') } });
    const post = await fetch(`${server.url}/api/ws`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD']);
  });
});

describe('signing out', () => {
  test('logout sends signed_out and closes the socket (1000)', async () => {
    const session = await signedIn();
    const client = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: cookieOf(session) });
    await client.next();
    await session.logout();
    expect(await client.next()).toEqual({ type: 'signed_out' });
    expect(await client.closed).toEqual({ code: SIGNED_OUT_CLOSE_CODE, reason: 'signed_out' });
  });

  test("another session's logout leaves this socket open", async () => {
    const mine = await signedIn();
    const other = await signIn({ baseUrl: server.url, privateKey: TEST_KEY });
    const client = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: cookieOf(mine) });
    await client.next();
    await other.logout();
    // The socket still works: the session it watches ends next, and that is what it hears.
    await mine.logout();
    expect(await client.next()).toEqual({ type: 'signed_out' });
    expect(client.messages).toEqual([{ type: 'signed_in', address: mine.address }, { type: 'signed_out' }]);
  });

  test('an address-wide event closes only the sockets whose sessions are gone from the store', async () => {
    const alice = await signedIn(TEST_KEY);
    const bob = await signedIn(BOB);
    const aliceSocket = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: cookieOf(alice) });
    const bobSocket = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: cookieOf(bob) });
    await Promise.all([aliceSocket.next(), bobSocket.next()]);

    // An event for an address whose session is still live changes nothing...
    await server.events.publish({ address: alice.address! });
    // ...while one after the address's sessions were removed (logout-all, user removed) ends them.
    await server.stores.sessions.destroyAllFor(bob.address!);
    await server.events.publish({ address: bob.address! });
    expect(await bobSocket.next()).toEqual({ type: 'signed_out' });
    expect(aliceSocket.ws.readyState).toBe(aliceSocket.ws.OPEN);
    await alice.logout();
    expect(await aliceSocket.next()).toEqual({ type: 'signed_out' });
  });

  test('the metrics gauge counts open sockets', async () => {
    const session = await signedIn();
    const gauge = async (): Promise<number> => (await server.metrics.liveSockets.get()).values[0]?.value ?? 0;
    const before = await gauge();
    const client = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: cookieOf(session) });
    await client.next();
    expect(await gauge()).toBe(before + 1);
    await session.logout();
    await client.closed;
    // The server counts the socket closed once the closing handshake ends on its side too.
    await eventually(async () => expect(await gauge()).toBe(before));
  });
});

describe('between instances', () => {
  test('a logout on one instance signs out the socket held by another (shared events)', async () => {
    const events = createLocalSessionEvents();
    const clock = createTestClock(TEST_START_TIME);
    const first = await startServing({ events, clock });
    const second = await startServing({ events, clock, stores: first.stores, config: { publicOrigin: first.url } });
    try {
      const session = await register({ baseUrl: first.url, privateKey: TEST_KEY });
      const client = await connectLiveSession({ url: liveSessionUrl(second.url), cookie: cookieOf(session.session) });
      expect(await client.next()).toEqual({ type: 'signed_in', address: session.session.address });
      await session.session.logout();
      expect(await client.next()).toEqual({ type: 'signed_out' });
      expect((await client.closed).code).toBe(SIGNED_OUT_CLOSE_CODE);
    } finally {
      await second.close();
      await first.close();
      await events.close();
    }
  });

  test('without a shared event channel, the periodic re-check ends a socket whose session is gone', async () => {
    const first = await startServing({ liveSessionRecheckMs: 50 });
    const second = await startServing({ stores: first.stores, config: { publicOrigin: first.url }, liveSessionRecheckMs: 50 });
    try {
      const session = await register({ baseUrl: first.url, privateKey: TEST_KEY });
      const client = await connectLiveSession({ url: liveSessionUrl(second.url), cookie: cookieOf(session.session) });
      await client.next();
      await session.session.logout(); // heard only by the first instance
      expect(await client.next()).toEqual({ type: 'signed_out' });
    } finally {
      await second.close();
      await first.close();
    }
  });

  test('a session past its absolute end is signed out at the next re-check', async () => {
    const instance = await startServing({ liveSessionRecheckMs: 50 });
    try {
      const session = await register({ baseUrl: instance.url, privateKey: TEST_KEY });
      const client = await connectLiveSession({ url: liveSessionUrl(instance.url), cookie: cookieOf(session.session) });
      await client.next();
      instance.clock.advance(instance.config.sessionAbsoluteMs);
      expect(await client.next()).toEqual({ type: 'signed_out' });
    } finally {
      await instance.close();
    }
  });
});
