// Sessions: ids are never chosen by the client (no fixation, no adoption of unknown ids), cookies
// are signed and checked, logout and both timeouts end a session on the server, and the cookie
// carries the attributes OWASP asks for (HttpOnly, SameSite, Secure + __Host- over https).

import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { sessionStoreKey } from '../../src/middleware/session';
import { ADDRESS, Browser, COOKIE, expectError, OTHER_ADDRESS, OTHER_KEY, registeredBrowser, SIG_COOKIE, signCookie, snapshot, useServer } from './support';

describe('fixation', () => {
  const server = useServer();

  test('a planted pre-login cookie is not promoted: the victim signs in under a new id, the planter stays out', async () => {
    const { stores, browser: attacker } = await registeredBrowser(server());
    await attacker.post('/api/auth/challenge', {});
    const planted = attacker.jar.get(COOKIE) as string;
    const victim = attacker.clone();

    await victim.signIn();
    expect(victim.jar.get(COOKIE)).not.toBe(planted);
    expect(await stores.sessions.get(sessionStoreKey(planted))).toBeUndefined();
    expect(await snapshot(stores)).toMatchObject({ sessions: 1, signedIn: { [ADDRESS]: 1 } });

    expect(await attacker.whoami()).toBeUndefined();
    // The planted cookie opens no door later either: a new challenge gets a new, empty session.
    await attacker.post('/api/auth/challenge', {});
    expect(attacker.jar.get(COOKIE)).not.toBe(planted);
    expect(await attacker.whoami()).toBeUndefined();
    expect(await victim.whoami()).toBe(ADDRESS);
  });

  test("a planted signed-in cookie dies when the victim signs in with it: neither is in the other's session", async () => {
    const { stores, browser: attacker } = await registeredBrowser(server(), [ADDRESS, OTHER_ADDRESS]);
    await attacker.signIn(OTHER_KEY);
    const victim = attacker.clone();
    const planted = attacker.jar.get(COOKIE) as string;
    await victim.signIn();
    expect(victim.jar.get(COOKIE)).not.toBe(planted);
    expect(await stores.sessions.get(sessionStoreKey(planted))).toBeUndefined();
    expect(await victim.whoami()).toBe(ADDRESS);
    expect(await attacker.whoami()).toBeUndefined();
    expect(await snapshot(stores)).toMatchObject({ sessions: 1, signedIn: { [ADDRESS]: 1, [OTHER_ADDRESS]: 0 } });
  });
});

describe('unknown and tampered cookies', () => {
  const server = useServer();

  test('an unknown, well-formed, correctly signed id is not adopted: a new id is issued', async () => {
    const { url, stores } = server();
    await stores.users.add(ADDRESS, 0);
    const chosen = randomBytes(32).toString('base64url');
    const browser = new Browser(url);
    browser.jar.set(COOKIE, chosen);
    browser.jar.set(SIG_COOKIE, signCookie(COOKIE, chosen));

    // /me with it: 401 and nothing stored.
    expectError(await browser.get('/api/auth/me'), 401, 'unauthenticated');
    expect(await snapshot(stores)).toMatchObject({ sessions: 0, challenges: 0 });

    const res = await browser.post('/api/auth/challenge', {});
    expect(res.status).toBe(200);
    expect(browser.jar.get(COOKIE)).toBeDefined();
    expect(browser.jar.get(COOKIE)).not.toBe(chosen);
    expect(await stores.sessions.get(sessionStoreKey(chosen))).toBeUndefined();
    await browser.signIn();
    expect(browser.jar.get(COOKIE)).not.toBe(chosen);
    expect(await stores.sessions.get(sessionStoreKey(chosen))).toBeUndefined();
  });

  test('the signature helper matches what the server signs (so the case above is a real signature)', async () => {
    const browser = new Browser(server().url);
    await browser.post('/api/auth/challenge', {});
    const id = browser.jar.get(COOKIE) as string;
    expect(browser.jar.get(SIG_COOKIE)).toBe(signCookie(COOKIE, id));
  });

  test.each([
    ['a changed id, old signature', (id: string, sig: string) => `${COOKIE}=${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}; ${SIG_COOKIE}=${sig}`],
    ['a changed signature', (id: string, sig: string) => `${COOKIE}=${id}; ${SIG_COOKIE}=${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`],
    ['no signature', (id: string) => `${COOKIE}=${id}`],
    ['a signature by another key', (id: string) => `${COOKIE}=${id}; ${SIG_COOKIE}=${signCookie(COOKIE, id, 'another-key-0123456789abcdef0123456789')}`],
    ['the store key as the id', (id: string) => `${COOKIE}=${sessionStoreKey(id)}; ${SIG_COOKIE}=${signCookie(COOKIE, sessionStoreKey(id))}`],
    ['the id under another cookie name', (id: string, sig: string) => `__Host-wl.sid=${id}; __Host-wl.sid.sig=${sig}`],
  ])('%s: /me is 401, logout with it ends nothing, the real session is intact', async (_name, forge) => {
    const { url, stores, browser: victim } = await registeredBrowser(server());
    await victim.signIn();
    const cookie = forge(victim.jar.get(COOKIE) as string, victim.jar.get(SIG_COOKIE) as string);
    const before = await snapshot(stores);

    expectError(await request(url).get('/api/auth/me').set('Cookie', cookie), 401, 'unauthenticated');
    expect((await request(url).post('/api/auth/logout').set('Cookie', cookie)).status).toBe(204);
    expect(await snapshot(stores)).toEqual(before);
    expect(await victim.whoami()).toBe(ADDRESS);
  });
});

describe('logout', () => {
  const server = useServer();

  test('then reuse of the old cookie: /me 401, a second logout is a harmless 204, a new challenge starts afresh', async () => {
    const { stores, browser } = await registeredBrowser(server());
    await browser.signIn();
    const stolen = browser.clone();
    expect((await browser.post('/api/auth/logout')).status).toBe(204);
    expect(browser.jar.has(COOKIE)).toBe(false);
    const after = await snapshot(stores);
    expect(after).toMatchObject({ sessions: 0, signedIn: { [ADDRESS]: 0 } });

    expect(await stolen.whoami()).toBeUndefined();
    expect((await stolen.clone().post('/api/auth/logout')).status).toBe(204);
    expect(await snapshot(stores)).toEqual(after);
    const res = await stolen.post('/api/auth/challenge', {});
    expect(res.status).toBe(200);
    expect(await stolen.whoami()).toBeUndefined();
    expect(await snapshot(stores)).toMatchObject({ sessions: 1, signedIn: { [ADDRESS]: 0 } });
  });

  test('logging out one session leaves the same user’s other sessions alone', async () => {
    const { url, stores, browser: laptop } = await registeredBrowser(server());
    const phone = new Browser(url);
    await laptop.signIn();
    await phone.signIn();
    expect((await laptop.post('/api/auth/logout')).status).toBe(204);
    expect(await laptop.whoami()).toBeUndefined();
    expect(await phone.whoami()).toBe(ADDRESS);
    expect(await snapshot(stores)).toMatchObject({ sessions: 1, signedIn: { [ADDRESS]: 1 } });
  });
});

describe('timeouts on the server clock', () => {
  const server = useServer({ config: { sessionIdleMs: 60_000, sessionAbsoluteMs: 150_000 } });

  test('idle: 1 ms short of the idle limit the session lives (and rolls on); at the limit it is gone', async () => {
    const { url, stores, clock } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    await browser.signIn();
    clock.advance(60_000 - 1);
    expect(await browser.whoami()).toBe(ADDRESS);
    clock.advance(60_000 - 1);
    expect(await browser.whoami()).toBe(ADDRESS);
    clock.advance(60_000);
    expect(await snapshot(stores)).toMatchObject({ sessions: 0, signedIn: { [ADDRESS]: 0 } });
    expect(await browser.whoami()).toBeUndefined();
    expect(await snapshot(stores)).toMatchObject({ sessions: 0 });
  });

  test('absolute: an always-active session ends at sign-in + the absolute limit, 1 ms earlier it lives', async () => {
    const { url, stores, clock } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    await browser.signIn();
    const signedInAt = clock.now();
    for (const at of [50_000, 100_000, 150_000 - 1]) {
      clock.set(signedInAt + at);
      expect(await browser.whoami()).toBe(ADDRESS);
    }
    clock.set(signedInAt + 150_000);
    expect(await browser.whoami()).toBeUndefined();
    expect(await snapshot(stores)).toMatchObject({ sessions: 0, signedIn: { [ADDRESS]: 0 } });
  });

  test('an expired session cookie is not revived by a new challenge: a new id is issued', async () => {
    const { url, stores, clock } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    await browser.signIn();
    const old = browser.jar.get(COOKIE);
    clock.advance(60_000);
    await browser.post('/api/auth/challenge', {});
    expect(browser.jar.get(COOKIE)).not.toBe(old);
    expect(await browser.whoami()).toBeUndefined();
  });
});

describe('cookie attributes', () => {
  describe('over http', () => {
    const server = useServer();

    test('pre-login and signed-in: HttpOnly, SameSite=Lax, Path=/, no Domain, not Secure, expiry = idle limit', async () => {
      const { url, stores, config } = server();
      await stores.users.add(ADDRESS, 0);
      const browser = new Browser(url);
      const responses = [await browser.post('/api/auth/challenge', {})];
      const c = await browser.challenge();
      responses.push(await browser.login({ sid: c.sid, signature: c.signature }));
      for (const res of responses) {
        const lines = res.headers['set-cookie'] as unknown as string[];
        for (const name of [COOKIE, SIG_COOKIE]) {
          const line = lines.find((l) => l.startsWith(`${name}=`));
          expect(line).toBeDefined();
          const attributes = (line as string).split(';').slice(1).map((part) => part.trim().toLowerCase());
          expect(attributes).toEqual(expect.arrayContaining(['path=/', 'samesite=lax', 'httponly']));
          expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
          expect(attributes).not.toContain('secure');
          const expires = attributes.find((a) => a.startsWith('expires='));
          expect(expires).toBeDefined();
          // koa-session stamps the expiry on the wall clock: the response's Date + the idle limit
          // (Date has whole seconds).
          const ms = Date.parse((expires as string).slice('expires='.length)) - Date.parse(res.headers.date as string);
          expect(ms).toBeGreaterThanOrEqual(config.sessionIdleMs - 1000);
          expect(ms).toBeLessThanOrEqual(config.sessionIdleMs + 1000);
        }
      }
    });
  });

  describe('over https behind a trusted proxy', () => {
    const server = useServer({ publicOrigin: 'https://app.example.com', config: { trustProxy: true } });

    test('__Host- prefixed, Secure, Path=/, no Domain', async () => {
      const { url } = server();
      const res = await request(url).post('/api/auth/challenge').set('X-Forwarded-Proto', 'https').send({});
      expect(res.status).toBe(200);
      const lines = res.headers['set-cookie'] as unknown as string[];
      for (const name of ['__Host-wl.sid', '__Host-wl.sid.sig']) {
        const line = lines.find((l) => l.startsWith(`${name}=`));
        expect(line).toBeDefined();
        const attributes = (line as string).split(';').slice(1).map((part) => part.trim().toLowerCase());
        expect(attributes).toEqual(expect.arrayContaining(['path=/', 'samesite=lax', 'secure', 'httponly']));
        expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
      }
      expect(lines.some((l) => l.startsWith('wl.sid='))).toBe(false);
    });
  });
});
