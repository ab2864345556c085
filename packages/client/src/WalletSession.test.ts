import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { register } from './signIn';
import { privateKeyToAddress, useTestServer } from '@wallet-login/testkit';
import { WalletSession } from './WalletSession';

const newKey = (): string => `0x${randomBytes(32).toString('hex')}`;

const server = useTestServer();

async function signedIn(): Promise<{ session: WalletSession; address: string }> {
  const privateKey = newKey();
  const { session } = await register({ baseUrl: server.url, privateKey });
  return { session, address: privateKeyToAddress(privateKey) };
}

test('fetch carries the session, with paths relative to the base URL', async () => {
  const { session, address } = await signedIn();
  for (const path of ['/api/auth/me', 'api/auth/me', `${server.url}/api/auth/me`]) {
    const response = await session.fetch(path);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { address: string }).address).toBe(address);
  }
});

test('fetch resolves with error statuses, like fetch', async () => {
  const anonymous = WalletSession.restore({ baseUrl: server.url, cookies: {} });
  const response = await anonymous.fetch('/api/auth/me');
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
});

test('fetch takes the cookies a response sets into the jar (a logout through fetch ends the session)', async () => {
  const { session } = await signedIn();
  const response = await session.fetch('/api/auth/logout', { method: 'POST' });
  expect(response.status).toBe(204);
  expect(session.cookies).toEqual({});
  await expect(session.me()).rejects.toMatchObject({ code: 'unauthenticated' });
});

test('fetch refuses to send the session to another origin', async () => {
  const { session } = await signedIn();
  await expect(session.fetch('http://example.com/api/auth/me')).rejects.toMatchObject({ code: 'invalid_parameter' });
});

test('a session restored from its saved cookies is the same session', async () => {
  const { session, address } = await signedIn();
  const saved = JSON.parse(JSON.stringify(session)) as ReturnType<WalletSession['toJSON']>;
  expect(saved).toEqual({ baseUrl: server.url, address, cookies: session.cookies });

  const restored = WalletSession.restore({ baseUrl: saved.baseUrl, cookies: saved.cookies });
  expect(restored.address).toBeUndefined();
  expect((await restored.me()).address).toBe(address);
  expect(restored.address).toBe(address);
});

test('restore rejects cookies that could not be sent, and addresses that are not addresses', () => {
  expect(() => WalletSession.restore({ baseUrl: server.url, cookies: { 'wl.sid': 'a\r\nX-Injected: 1' } })).toThrow(
    expect.objectContaining({ code: 'invalid_parameter' }),
  );
  expect(() => WalletSession.restore({ baseUrl: server.url, cookies: {}, address: '0x1234' })).toThrow(expect.objectContaining({ code: 'invalid_parameter' }));
});

test('logout of a session the server no longer knows still counts as logged out', async () => {
  const { session } = await signedIn();
  const copy = WalletSession.restore({ baseUrl: server.url, cookies: session.cookies });
  await session.logout();
  await expect(copy.logout()).resolves.toBeUndefined();
  expect(copy.cookies).toEqual({});
});

test('logging out one session leaves the same address signed in elsewhere', async () => {
  const privateKey = newKey();
  const { session: laptop } = await register({ baseUrl: server.url, privateKey });
  const { session: phone } = await register({ baseUrl: server.url, privateKey });
  await laptop.logout();
  expect((await phone.me()).address).toBe(privateKeyToAddress(privateKey));
});

test('the cookies are not shown when a session is logged or inspected', async () => {
  const { session } = await signedIn();
  const shown = `${inspect(session, { depth: 5, showHidden: true })} ${String(session)}`;
  for (const value of Object.values(session.cookies)) expect(shown).not.toContain(value);
});
