// Binding: a challenge signs in only the browser session it was issued to, and only with a
// signature over the exact text issued (EIP-4361 §Verifying: domain, URI, chain id, nonce, times).

import { parseSiweMessage, ZERO_ADDRESS } from '@wallet-login/challenge';
import { ADDRESS, Browser, expectError, KEY, OTHER_ADDRESS, OTHER_KEY, registeredBrowser, snapshot, useServer } from './support';
import { signMessage } from '@wallet-login/testkit';

const server = useServer();

describe('session binding', () => {
  test("session X's challenge with session Y's cookie: 401 challenge_not_found; X and Y unchanged", async () => {
    const { url, stores, browser: x } = await registeredBrowser(server());
    const c = await x.challenge();
    const y = new Browser(url);
    await y.challenge(OTHER_KEY);
    const before = await snapshot(stores);
    expect(before).toMatchObject({ challenges: 2, sessions: 2 });

    expectError(await y.login({ sid: c.sid, signature: c.signature, message: c.message }), 401, 'challenge_not_found');
    // The attempt left X's challenge to X (only its own session can take it); nothing changed.
    expect(await snapshot(stores)).toEqual(before);
    expect(await y.whoami()).toBeUndefined();
    expect(await x.whoami()).toBeUndefined();
    expect((await x.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
    expect(await x.whoami()).toBe(ADDRESS);
  });

  test("session X's challenge with no cookie: 401 challenge_not_found, no session created", async () => {
    const { url, stores, browser: x } = await registeredBrowser(server());
    const c = await x.challenge();
    const before = await snapshot(stores);
    const bare = new Browser(url);
    expectError(await bare.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expect(bare.jar.size).toBe(0);
    expect(await snapshot(stores)).toEqual(before);
    expect((await x.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
  });

  test("session X's challenge with a signed-in session Y: 401 challenge_not_found; Y stays who it was", async () => {
    const { url, stores, browser: y } = await registeredBrowser(server(), [ADDRESS, OTHER_ADDRESS]);
    await y.signIn(OTHER_KEY);
    const x = new Browser(url);
    const c = await x.challenge();
    const before = await snapshot(stores);
    expectError(await y.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
    expect(await snapshot(stores)).toEqual(before);
    expect(await y.whoami()).toBe(OTHER_ADDRESS);
    expect(await x.whoami()).toBeUndefined();
    expect((await x.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
    expect(await x.whoami()).toBe(ADDRESS);
  });
});

describe('the address a challenge is asked for', () => {
  const withJson = useServer({ config: { challengeFormats: ['siwe', 'json'] } });

  test.each(['siwe', 'json'] as const)('a %s challenge asked for A and signed by registered B: 401 signature_invalid; A then signs in', async (format) => {
    const { stores, browser } = await registeredBrowser(withJson(), [ADDRESS, OTHER_ADDRESS]);
    const asked = await browser.post('/api/auth/challenge', { format, address: ADDRESS });
    expect(asked.status).toBe(200);
    const before = await snapshot(stores);
    const byOther = signMessage({ message: asked.body.message, privateKey: OTHER_KEY });
    expectError(await browser.login({ sid: asked.body.sid, signature: byOther }), 401, 'signature_invalid');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    expect(await browser.whoami()).toBeUndefined();

    const again = await browser.post('/api/auth/challenge', { format, address: ADDRESS });
    const byAsked = signMessage({ message: again.body.message, privateKey: KEY });
    expect((await browser.login({ sid: again.body.sid, signature: byAsked })).body).toEqual({ address: ADDRESS });
  });

  test('a JSON challenge asked for no address is signed by any registered key', async () => {
    const { browser } = await registeredBrowser(withJson(), [OTHER_ADDRESS]);
    const c = await browser.challenge(OTHER_KEY, { format: 'json', named: false });
    expect((await browser.login({ sid: c.sid, signature: c.signature })).body).toEqual({ address: OTHER_ADDRESS });
  });
});

type Edit = (message: string, host: string) => string;

const replaceLine = (label: string, value: string): Edit => (message) =>
  message.replace(new RegExp(`^${label}: .*$`, 'm'), `${label}: ${value}`);

/** Field edits of an issued EIP-4361 message that are themselves well-formed messages. */
const EDITS: Array<[string, Edit]> = [
  ['the domain', (message, host) => message.replace(`${host} wants you`, 'evil.test wants you')],
  ['the domain, by a scheme prefix', (message, host) => message.replace(`${host} wants you`, `https://${host} wants you`)],
  ['the URI', replaceLine('URI', 'https://evil.test')],
  ['the chain id', replaceLine('Chain ID', '5')],
  ['the nonce', replaceLine('Nonce', 'AAAAAAAAAAAAAAAAAAAAAAAA')],
  ['Issued At', replaceLine('Issued At', '2030-01-01T00:00:00.000Z')],
  ['Expiration Time', replaceLine('Expiration Time', '2099-01-01T00:00:00.000Z')],
  ['the statement', (message) => message.replace('Sign in with your Ethereum account.', 'Transfer everything.')],
  ['an added Not Before', (message) => `${message}\nNot Before: 2020-01-01T00:00:00.000Z`],
  ['an added Resources list', (message) => `${message}\nResources:\n- https://evil.test/all`],
];

describe('a message edited and signed over the edit', () => {
  test.each(EDITS)('%s: 401 message_mismatch when sent, signature_invalid when not; nothing signed in', async (_name, edit) => {
    const { url, stores, browser } = await registeredBrowser(server());
    const host = new URL(url).host;
    const before = await snapshot(stores);
    const attempt = async (send: 'edit' | 'none' | 'issued') => {
      const c = await browser.challenge();
      const edited = edit(c.message, host);
      expect(edited).not.toBe(c.message);
      // A well-formed message in its own right, so only the server's comparison can refuse it.
      expect(parseSiweMessage(edited).nonce.length).toBeGreaterThanOrEqual(8);
      const signature = signMessage({ message: edited, privateKey: KEY });
      const message = send === 'edit' ? edited : send === 'issued' ? c.message : undefined;
      return browser.login(message === undefined ? { sid: c.sid, signature } : { sid: c.sid, signature, message });
    };

    expectError(await attempt('edit'), 401, 'message_mismatch');
    expectError(await attempt('none'), 401, 'signature_invalid');
    // The issued text sent along, the signature over the edit: still invalid.
    expectError(await attempt('issued'), 401, 'signature_invalid');
    // Each attempt used its challenge up; no one signed in; the users are as they were.
    expect(await snapshot(stores)).toEqual({ ...before, challenges: 0, sessions: 1 });
    expect(await browser.whoami()).toBeUndefined();
  });

  test('the address line changed to the signer’s own: message_mismatch when sent, signature_invalid when not', async () => {
    const { stores, browser: attacker } = await registeredBrowser(server(), [ADDRESS, OTHER_ADDRESS]);
    // A challenge naming the victim's address, re-addressed and signed by the attacker's key.
    for (const sendMessage of [true, false]) {
      const c = await attacker.challenge(KEY);
      const edited = c.message.replace(`\n${ADDRESS}\n`, `\n${OTHER_ADDRESS}\n`);
      expect(edited).not.toBe(c.message);
      const signature = signMessage({ message: edited, privateKey: OTHER_KEY });
      const before = await snapshot(stores);
      const res = await attacker.login(sendMessage ? { sid: c.sid, signature, message: edited } : { sid: c.sid, signature });
      expectError(res, 401, sendMessage ? 'message_mismatch' : 'signature_invalid');
      expect(await snapshot(stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    }
    expect(await attacker.whoami()).toBeUndefined();
  });

  test('a challenge naming no address, re-addressed and signed over the edit, never signs in the editor', async () => {
    const { stores, browser: attacker } = await registeredBrowser(server(), [OTHER_ADDRESS]);
    const c = await attacker.challenge(OTHER_KEY, { named: false });
    expect(c.message.split('\n')[1]).toBe(ZERO_ADDRESS);
    const edited = c.message.replace(`\n${ZERO_ADDRESS}\n`, `\n${OTHER_ADDRESS}\n`);
    const signature = signMessage({ message: edited, privateKey: OTHER_KEY });
    const before = await snapshot(stores);
    // Over the issued text this signature recovers to some other key, which is not registered.
    const res = await attacker.login({ sid: c.sid, signature });
    expectError(res, 403, 'address_not_registered');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: 0 });
    expect(await attacker.whoami()).toBeUndefined();
  });
});
