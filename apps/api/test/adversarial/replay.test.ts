// Replay: a challenge is single use whatever session, cookie or timing it is replayed with, and
// of any number of concurrent uses exactly one signs in (ASVS 2.8.4 / 6.3.1: one-time secrets).

import request from 'supertest';
import { signMessage } from '@wallet-login/testkit';
import { ADDRESS, Browser, expectError, KEY, OTHER_KEY, registeredBrowser, snapshot, useServer, withTwoInstances } from './support';

const server = useServer();

describe('replay of a used challenge', () => {
  test('again in the session it signed in: 401 challenge_not_found, that session untouched, nothing new stored', async () => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    expect((await browser.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
    const before = await snapshot(stores);
    expect(before).toMatchObject({ challenges: 0, sessions: 1, signedIn: { [ADDRESS]: 1 } });

    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expectError(await browser.login({ sid: c.sid, signature: c.signature, message: c.message }), 401, 'challenge_not_found');
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test('with the pre-login cookie it was issued to: 401 challenge_not_found, no session signed in', async () => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    const preLogin = browser.clone();
    expect((await browser.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
    const before = await snapshot(stores);

    expectError(await preLogin.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expect(await snapshot(stores)).toEqual(before);
    expect(await preLogin.whoami()).toBeUndefined();
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test('from a new session, and with no cookie at all: 401 challenge_not_found, nothing stored', async () => {
    const { url, stores, browser: victim } = await registeredBrowser(server());
    const c = await victim.challenge();
    expect((await victim.login({ sid: c.sid, signature: c.signature })).status).toBe(200);

    const fresh = new Browser(url);
    await fresh.post('/api/auth/challenge', {});
    const before = await snapshot(stores);
    expectError(await fresh.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expectError(await new Browser(url).login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expect(await snapshot(stores)).toEqual(before);
    expect(await fresh.whoami()).toBeUndefined();
    expect(await victim.whoami()).toBe(ADDRESS);
  });

  test('an older challenge after a newer one signed in: 401 challenge_not_found with either cookie', async () => {
    const { stores, browser } = await registeredBrowser(server());
    const older = await browser.challenge();
    const newer = await browser.challenge();
    const preLogin = browser.clone();
    expect((await browser.login({ sid: newer.sid, signature: newer.signature })).status).toBe(200);
    const before = await snapshot(stores);
    // The older challenge is still stored (it has not expired), bound to the dead pre-login session.
    expect(before).toMatchObject({ challenges: 1, signedIn: { [ADDRESS]: 1 } });

    expectError(await browser.login({ sid: older.sid, signature: older.signature }), 401, 'challenge_not_found');
    expectError(await preLogin.login({ sid: older.sid, signature: older.signature }), 401, 'challenge_not_found');
    // Neither session holds the older challenge's binding (the pre-login session died at login),
    // so neither could take it: it stays stored, unusable, until it expires; nothing changed.
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test('a challenge that failed once (wrong signer) stays used: the right signature after it is refused', async () => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    const before = await snapshot(stores);
    const wrong = signMessage({ message: c.message, privateKey: OTHER_KEY });
    expectError(await browser.login({ sid: c.sid, signature: wrong }), 401, 'signature_invalid');
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    expect(await browser.whoami()).toBeUndefined();
  });
});

/** 50 logins with the same challenge and cookie, all sent before any answer. */
async function race(urls: string[], cookie: string, body: object): Promise<request.Response[]> {
  return Promise.all(
    Array.from({ length: 50 }, (_, i) => request(urls[i % urls.length] as string).post('/api/auth/login').set('Cookie', cookie).send(body)),
  );
}

function expectExactlyOneWinner(results: request.Response[]): void {
  const statuses = results.map((res) => `${res.status} ${res.body?.address ?? res.body?.error?.code}`);
  expect(statuses.filter((s) => s === `200 ${ADDRESS}`)).toHaveLength(1);
  expect(statuses.filter((s) => s === '401 challenge_not_found')).toHaveLength(49);
}

describe('the same challenge posted 50 times in parallel', () => {
  test('one instance: exactly one 200 and one session; 49 × 401 challenge_not_found', async () => {
    const { url, stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge(KEY);
    const results = await race([url], browser.cookieHeader(), { sid: c.sid, signature: c.signature });
    expectExactlyOneWinner(results);
    // The pre-login session became the one signed-in session; the challenge is gone.
    expect(await snapshot(stores)).toMatchObject({ challenges: 0, sessions: 1, signedIn: { [ADDRESS]: 1 } });
  });

  test('two instances on one SQLite file: exactly one 200 and one session', async () => {
    await withTwoInstances('replay', async (a, b) => {
      await a.stores.users.add(ADDRESS, 0);
      const browser = new Browser(a.url);
      const c = await browser.challenge(KEY);
      const results = await race([a.url, b.url], browser.cookieHeader(), { sid: c.sid, signature: c.signature });
      expectExactlyOneWinner(results);
      expect(await snapshot(b.stores)).toMatchObject({ challenges: 0, sessions: 1, signedIn: { [ADDRESS]: 1 } });
    });
  });
});
