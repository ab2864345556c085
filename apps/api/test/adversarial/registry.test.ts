// Registry: only registered addresses sign in; an address is one user whatever case it is typed
// in (EIP-55 checksummed in storage); a mixed-case address with a bad checksum is refused.

import { ADDRESS, Browser, expectError, KEY, OTHER_ADDRESS, OTHER_KEY, registeredBrowser, snapshot, useServer } from './support';
import { signMessage } from '@wallet-login/testkit';

describe('an unregistered signer', () => {
  const server = useServer();

  test('a valid signature by an unregistered address: 403 address_not_registered, no user, no session', async () => {
    const { stores, browser } = await registeredBrowser(server(), [OTHER_ADDRESS]);
    const c = await browser.challenge(KEY);
    const before = await snapshot(stores);
    expectError(await browser.login({ sid: c.sid, signature: c.signature, message: c.message }), 403, 'address_not_registered');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: 0 });
    expect(before.users).toEqual([{ address: OTHER_ADDRESS, createdAt: 0 }]);
    expect(await browser.whoami()).toBeUndefined();
  });

  test('the same with a challenge naming no address', async () => {
    const { url, stores } = server();
    const browser = new Browser(url);
    const c = await browser.challenge(KEY, { named: false });
    const before = await snapshot(stores);
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 403, 'address_not_registered');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: 0 });
    expect(before.users).toEqual([]);
  });
});

describe('registering', () => {
  const server = useServer({ config: { challengeFormats: ['siwe', 'json'] } });

  test.each(['siwe', 'json'] as const)('with a %s challenge naming no address: 400 invalid_request, no user, the challenge still usable for login', async (format) => {
    const { stores, browser } = await registeredBrowser(server(), [OTHER_ADDRESS]);
    const c = await browser.challenge(KEY, { format, named: false });
    // Over an unnamed challenge any signature recovers to some address, even one over other text.
    const overOtherText = signMessage({ message: 'something else entirely', privateKey: KEY });
    const before = await snapshot(stores);
    for (const signature of [c.signature, overOtherText]) {
      const res = await browser.login({ sid: c.sid, signature }, 'register');
      expectError(res, 400, 'invalid_request');
      expect(res.body.error.message).toMatch(/names the address/);
    }
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBeUndefined();
    // Not used up: a registered key may still log in with it.
    const byRegistered = signMessage({ message: c.message, privateKey: OTHER_KEY });
    expect((await browser.login({ sid: c.sid, signature: byRegistered })).body).toEqual({ address: OTHER_ADDRESS });
  });

  test.each(['siwe', 'json'] as const)('with a %s challenge naming the address: 201, one user', async (format) => {
    const { url, stores } = server();
    const browser = new Browser(url);
    const c = await browser.challenge(KEY, { format });
    const res = await browser.login({ sid: c.sid, signature: c.signature }, 'register');
    expect(res.status).toBe(201);
    expect((await stores.users.list()).map((user) => user.address)).toEqual([ADDRESS]);
  });
});

describe('with registration closed', () => {
  const server = useServer({ registration: 'closed' });

  test('register by an unregistered signer: 403 registration_closed, no user, the challenge still usable', async () => {
    const { url, stores } = server();
    const browser = new Browser(url);
    const c = await browser.challenge(KEY);
    const before = await snapshot(stores);
    expectError(await browser.login({ sid: c.sid, signature: c.signature }, 'register'), 403, 'registration_closed');
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBeUndefined();
  });
});

describe('address forms', () => {
  const server = useServer();
  const lower = ADDRESS.toLowerCase();
  const upper = `0x${ADDRESS.slice(2).toUpperCase()}`;

  test.each([
    ['all lower case', lower],
    ['all upper case', upper],
    ['checksummed', ADDRESS],
  ])('a challenge for the address %s names it checksummed and signs in the one registered user', async (_name, typed) => {
    const { stores, browser } = await registeredBrowser(server());
    const res = await browser.post('/api/auth/challenge', { address: typed });
    expect(res.status).toBe(200);
    expect(res.body.message.split('\n')[1]).toBe(ADDRESS);
    const signature = signMessage({ message: res.body.message, privateKey: KEY });
    const login = await browser.login({ sid: res.body.sid, signature });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ address: ADDRESS });
    expect(await stores.users.list()).toEqual([{ address: ADDRESS, createdAt: 0 }]);
  });

  test('registering the same key three times, each time typed differently, makes one user', async () => {
    const { url, stores } = server();
    const statuses: number[] = [];
    for (const typed of [lower, upper, ADDRESS]) {
      const browser = new Browser(url);
      const res = await browser.post('/api/auth/challenge', { address: typed });
      const signature = signMessage({ message: res.body.message, privateKey: KEY });
      statuses.push((await browser.login({ sid: res.body.sid, signature }, 'register')).status);
    }
    expect(statuses).toEqual([201, 200, 200]);
    expect((await stores.users.list()).map((user) => user.address)).toEqual([ADDRESS]);
  });

  /** ADDRESS with the case of its first hex letter swapped: a mixed-case form with a bad checksum. */
  function badChecksum(address: string): string {
    const at = address.slice(2).search(/[a-fA-F]/) + 2;
    const char = address[at] as string;
    const swapped = char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase();
    return `${address.slice(0, at)}${swapped}${address.slice(at + 1)}`;
  }

  test.each([
    ['a bad EIP-55 checksum', badChecksum(ADDRESS)],
    ['a bad EIP-55 checksum (other address)', badChecksum(OTHER_ADDRESS)],
    ['39 hex digits', ADDRESS.slice(0, -1)],
    ['41 hex digits', `${ADDRESS}0`],
    ['no 0x', ADDRESS.slice(2)],
    ['an ENS name', 'vitalik.eth'],
    ['an empty string', ''],
  ])('a challenge for %s: 400 invalid_request, nothing stored', async (_name, address) => {
    const { url, stores } = server();
    const before = await snapshot(stores);
    const browser = new Browser(url);
    expectError(await browser.post('/api/auth/challenge', { address }), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
    expect(browser.jar.size).toBe(0);
  });

  test('the bad-checksum form differs from the checksummed one only in case', () => {
    const bad = badChecksum(ADDRESS);
    expect(bad).not.toBe(ADDRESS);
    expect(bad.toLowerCase()).toBe(ADDRESS.toLowerCase());
  });
});
