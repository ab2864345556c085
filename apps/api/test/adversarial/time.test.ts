// Time: freshness is judged on the server's clock only (pinned here; nothing sleeps). A challenge
// is good from its timestamp (less the skew allowance) until timestamp + TTL, exclusive.

import { TEST_START_TIME } from '@wallet-login/testkit';
import { ADDRESS, Browser, expectError, snapshot, useServer, withTwoInstances } from './support';

describe('expiry', () => {
  const server = useServer();

  test('1 ms before timestamp + TTL the challenge still signs in', async () => {
    const { url, stores, clock, config } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    const c = await browser.challenge();
    clock.advance(config.challengeTtlMs - 1);
    expect((await browser.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test('at timestamp + TTL: 401 challenge_expired, the challenge used up, no session signed in', async () => {
    const { url, stores, clock, config } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    const c = await browser.challenge();
    clock.advance(config.challengeTtlMs);
    const before = await snapshot(stores);
    expect(before).toMatchObject({ challenges: 1, sessions: 1 });
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_expired');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: 0 });
    expect(await browser.whoami()).toBeUndefined();
  });

  test('long after expiry the challenge is gone: 401 challenge_not_found, nothing stored', async () => {
    const { url, stores, clock, config } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    const c = await browser.challenge();
    clock.advance(config.challengeTtlMs + 3_600_000);
    const before = await snapshot(stores);
    expect(before).toMatchObject({ challenges: 0, sessions: 0 });
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expect(await snapshot(stores)).toEqual(before);
  });
});

describe('issued in the future (clocks apart)', () => {
  const server = useServer();

  /** Issues a challenge at the current time, then sets the server's clock to timestamp − `behind`. */
  async function issueThenRewind(behind: number) {
    const { url, stores, clock } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    const c = await browser.challenge();
    expect(c.timestamp).toBe(TEST_START_TIME);
    clock.set(c.timestamp - behind);
    return { browser, c, stores };
  }

  test('an hour ahead of the verifying clock: 401 challenge_not_yet_valid, nothing signed in', async () => {
    const { browser, c, stores } = await issueThenRewind(3_600_000);
    const before = await snapshot(stores);
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_yet_valid');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    expect(await browser.whoami()).toBeUndefined();
  });

  test('exactly the skew allowance ahead: accepted', async () => {
    const { config } = server();
    expect(config.clockSkewMs).toBeGreaterThan(0);
    const { browser, c } = await issueThenRewind(config.clockSkewMs);
    expect((await browser.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test('1 ms beyond the skew allowance: 401 challenge_not_yet_valid, nothing signed in', async () => {
    const { config } = server();
    const { browser, c, stores } = await issueThenRewind(config.clockSkewMs + 1);
    const before = await snapshot(stores);
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_yet_valid');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    expect(await browser.whoami()).toBeUndefined();
  });
});

describe('without a skew allowance', () => {
  const server = useServer({ config: { clockSkewMs: 0 } });

  test('1 ms in the future is refused; the same instant is accepted', async () => {
    const { url, stores, clock } = server();
    await stores.users.add(ADDRESS, 0);
    const browser = new Browser(url);
    const early = await browser.challenge();
    clock.set(early.timestamp - 1);
    expectError(await browser.login({ sid: early.sid, signature: early.signature }), 401, 'challenge_not_yet_valid');
    clock.set(TEST_START_TIME);
    const onTime = await browser.challenge();
    expect((await browser.login({ sid: onTime.sid, signature: onTime.signature })).status).toBe(200);
  });
});

describe('two instances on one store, clocks apart', () => {
  test('a challenge issued by an instance ahead by the allowance signs in on the other; ahead by 1 ms more it does not', async () => {
    await withTwoInstances('skew', async (verifier, issuer) => {
      await verifier.stores.users.add(ADDRESS, 0);
      const skew = verifier.config.clockSkewMs;

      issuer.clock.set(TEST_START_TIME + skew);
      const inside = new Browser(issuer.url);
      const c1 = await inside.challenge();
      expect((await inside.clone(verifier.url).login({ sid: c1.sid, signature: c1.signature })).status).toBe(200);

      issuer.clock.set(TEST_START_TIME + skew + 1);
      const outside = new Browser(issuer.url);
      const c2 = await outside.challenge();
      const later = outside.clone(verifier.url);
      const before = await snapshot(verifier.stores);
      expectError(await later.login({ sid: c2.sid, signature: c2.signature }), 401, 'challenge_not_yet_valid');
      expect(await snapshot(verifier.stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    });
  });
});
