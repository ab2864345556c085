// The signed-in person's sessions (routes/sessions.ts and the session layer): /me, logout, the
// session list, revoking one and signing out everywhere, idle and absolute timeouts, cookies, and
// that a session ended is deleted once and never revived. Through supertest against createApp on a
// real SQLite file, on a pinned clock.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Stores } from '../stores/types';
import { sessionStoreKey } from '../middleware/session';
import { startTestServer, TEST_START_TIME } from '@wallet-login/testkit';
import { ADDRESS, Client, closeApps, expectError, OTHER_ADDRESS, OTHER_KEY, register, setup } from '../../test/support/app';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  await closeApps();
});

/** A fresh app (with `config`) and a client signed in there as TEST_KEY's registered address. */
async function signedInApp(config?: Parameters<typeof setup>[0]) {
  const h = setup(config);
  await register(h);
  const client = new Client(h.server);
  await client.signIn();
  return { h, client };
}

describe('sessions', () => {
  test('/me without a session is 401 unauthenticated', async () => {
    expectError(await request(setup().server).get('/api/auth/me'), 401, 'unauthenticated');
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

  test('logout deletes the session server-side, clears the cookie, and the old cookie is dead', async () => {
    const { h, client } = await signedInApp();
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

  test('logout before sign-in deletes the pre-login session too, and announces nothing', async () => {
    const h = setup();
    const client = new Client(h.server);
    await client.post('/api/auth/challenge', {});
    const key = sessionStoreKey(client.jar.get('wl.sid')!);
    expect(await h.stores.sessions.get(key)).toBeDefined();
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    expect(await h.stores.sessions.get(key)).toBeUndefined();
    expect(client.jar.has('wl.sid')).toBe(false);
    expect(h.published).toStrictEqual([]);
  });

  test('logout without a session is a harmless 204', async () => {
    expect((await request(setup().server).post('/api/auth/logout')).status).toBe(204);
  });

  test('idle timeout: activity keeps the session, idleness past the limit ends it', async () => {
    const { h, client } = await signedInApp({ sessionIdleMs: 60_000, sessionAbsoluteMs: 3_600_000 });
    h.clock.advance(59_000);
    expect((await client.get('/api/auth/me')).status).toBe(200);
    h.clock.advance(59_000);
    expect((await client.get('/api/auth/me')).body.expiresAt).toBe(h.clock.now() + 60_000);
    h.clock.advance(60_001);
    expectError(await client.get('/api/auth/me'), 401, 'unauthenticated');
  });

  test('absolute timeout ends even an active session', async () => {
    const { h, client } = await signedInApp({ sessionIdleMs: 60_000, sessionAbsoluteMs: 120_000 });
    h.clock.advance(50_000);
    expect((await client.get('/api/auth/me')).status).toBe(200);
    h.clock.advance(50_000);
    const me = await client.get('/api/auth/me');
    expect(me.body.expiresAt).toBe(TEST_START_TIME + 120_000);
    h.clock.advance(20_000);
    expectError(await client.get('/api/auth/me'), 401, 'unauthenticated');
  });

  test('a tampered cookie or signature is not honoured', async () => {
    const { h, client } = await signedInApp();
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

describe('session list', () => {
  async function twoSessions() {
    const harness = setup();
    await harness.stores.users.add(ADDRESS, TEST_START_TIME);
    const laptop = new Client(harness.server, 'Laptop/1.0');
    const phone = new Client(harness.server, 'Phone/1.0');
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
    await stores.users.add(OTHER_ADDRESS, TEST_START_TIME);
    const stranger = new Client(server, 'Stranger/1.0');
    expect((await stranger.signIn(OTHER_KEY)).status).toBe(200);
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
    await stores.users.add(OTHER_ADDRESS, TEST_START_TIME);
    const stranger = new Client(server, 'Stranger/1.0');
    expect((await stranger.signIn(OTHER_KEY)).status).toBe(200);
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
    const client = new Client(server, 'TestBrowser/1.0');
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
    const client = new Client(server, 'TestBrowser/1.0');
    for (const res of [await client.get('/api/auth/sessions'), await client.post('/api/auth/logout-all'), await client.delete('/api/auth/sessions/x')]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
  });
});
