// GET /api/auth/verify on the real server: 204 with the address and the expiry for a live
// session, 401 for anything else, and no write of any kind (no Set-Cookie, the stored session
// untouched).

import { formatCookieHeader, register } from '@wallet-login/client';
import { privateKeyToAddress, startServing, TEST_KEY, type TestServing } from '@wallet-login/testkit';
import { sessionStoreKey } from '../middleware/session';

const ADDRESS = privateKeyToAddress(TEST_KEY);
let server: TestServing;

beforeAll(async () => {
  server = await startServing();
});
afterAll(async () => {
  await server?.close();
});

async function signedIn(): Promise<{ cookie: string; cookies: Record<string, string> }> {
  const { session } = await register({ baseUrl: server.url, privateKey: TEST_KEY });
  return { cookie: formatCookieHeader(session.cookies)!, cookies: session.cookies as Record<string, string> };
}

const verify = (cookie?: string) => fetch(`${server.url}/api/auth/verify`, { headers: cookie ? { cookie } : {} });

test('a live session: 204 with the EIP-55 address, the expiry in ms and no-store', async () => {
  const { cookie } = await signedIn();
  const res = await verify(cookie);
  expect(res.status).toBe(204);
  expect(res.headers.get('x-wallet-address')).toBe(ADDRESS);
  const expires = Number(res.headers.get('x-wallet-session-expires'));
  const me = (await (await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).json()) as { expiresAt: number };
  expect(expires).toBe(me.expiresAt);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(await res.text()).toBe('');
});

test('it rewrites nothing: no Set-Cookie, and the stored session is as it was', async () => {
  const { cookie, cookies } = await signedIn();
  const key = sessionStoreKey(cookies['wl.sid']!);
  const before = await server.stores.sessions.get(key);
  // Past the layer's refresh interval, where any request through the session layer would rewrite it.
  server.clock.advance(120_000);
  const res = await verify(cookie);
  expect(res.status).toBe(204);
  expect(res.headers.getSetCookie()).toEqual([]);
  expect(await server.stores.sessions.get(key)).toStrictEqual(before);
});

test.each([
  ['no cookie', () => Promise.resolve(undefined)],
  ['a pre-login session', async () => {
    const res = await fetch(`${server.url}/api/auth/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return res.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  }],
  ['a forged signature', async () => (await signedIn()).cookie.replace(/wl\.sid\.sig=[^;]+/, 'wl.sid.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA')],
  ['an unsigned cookie', async () => `wl.sid=${(await signedIn()).cookies['wl.sid']}`],
  ['a session that was signed out', async () => {
    const { cookie } = await signedIn();
    await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    return cookie;
  }],
])('%s: 401 unauthenticated', async (_name, makeCookie) => {
  const res = await verify(await makeCookie());
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ error: { code: 'unauthenticated', message: 'Not signed in.' } });
  expect(res.headers.get('x-wallet-address')).toBeNull();
  expect(res.headers.getSetCookie()).toEqual([]);
});

test('a session past its absolute end: 401', async () => {
  const { cookie } = await signedIn();
  const start = server.clock.now();
  try {
    server.clock.advance(server.config.sessionAbsoluteMs);
    expect((await verify(cookie)).status).toBe(401);
  } finally {
    server.clock.set(start);
  }
});

test("a contract wallet's session passes until its chain check is due, then is sent to the sign-in page (401)", async () => {
  const { cookie, cookies } = await signedIn();
  const key = sessionStoreKey(cookies['wl.sid']!);
  const stored = (await server.stores.sessions.get(key))!;
  const start = server.clock.now();
  // As the session layer stores a contract wallet's sign-in (Session.rotate).
  const contractWallet = { chainId: server.config.chainId, message: 'the login message', signature: `0x${'ab'.repeat(100)}`, checkedAt: start };
  await server.stores.sessions.update(key, { ...stored, method: 'erc1271', contractWallet }, server.config.sessionIdleMs);
  try {
    expect((await verify(cookie)).status).toBe(204);
    server.clock.advance(server.config.contractWalletRecheckMs - 1);
    expect((await verify(cookie)).status).toBe(204);
    server.clock.advance(1);
    const due = await verify(cookie);
    expect(due.status).toBe(401);
    expect(((await due.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'unauthenticated', message: expect.stringMatching(/checked on the chain/) });
    // It wrote nothing: the session is the layer's to check, or to end.
    expect(await server.stores.sessions.get(key)).toMatchObject({ method: 'erc1271', contractWallet });
  } finally {
    server.clock.set(start);
  }
});
