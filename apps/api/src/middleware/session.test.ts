// Store writes of the session middleware: a busy, unchanged session is not rewritten at every
// request (SESSION_REFRESH_MS), nor its cookie sent again, while changes and the pushed-back
// expiry still reach the store and the cookie.

import { privateKeyToAddress, signMessage, startTestServer, TEST_KEY, type TestServer } from '@wallet-login/testkit';

const IDLE_MS = 60_000; // refresh interval min(60 s, idle / 10) = 6 s

let server: TestServer;
let cookie = '';

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: { [key: string]: unknown } }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Cookie: cookie, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const set = res.headers.getSetCookie();
  if (set.length > 0) cookie = set.map((line) => line.split(';')[0]).join('; ');
  return { status: res.status, body: (await res.json().catch(() => ({}))) as { [key: string]: unknown } };
}

beforeEach(async () => {
  server = await startTestServer({ config: { sessionIdleMs: IDLE_MS, sessionAbsoluteMs: 3_600_000 } });
  await server.stores.users.add(privateKeyToAddress(TEST_KEY), server.clock.now());
  cookie = '';
  const challenge = await call('POST', '/api/auth/challenge', {});
  const signature = signMessage({ message: challenge.body.message as string, privateKey: TEST_KEY });
  expect((await call('POST', '/api/auth/login', { sid: challenge.body.sid, signature })).status).toBe(200);
});

afterEach(async () => {
  await server.close();
});

test('reads of an unchanged session within the refresh interval write nothing', async () => {
  const update = jest.spyOn(server.stores.sessions, 'update');
  const set = jest.spyOn(server.stores.sessions, 'set');
  for (let i = 0; i < 5; i++) {
    server.clock.advance(1_000);
    expect((await call('GET', '/api/auth/me')).status).toBe(200);
  }
  expect(update).not.toHaveBeenCalled();
  expect(set).not.toHaveBeenCalled();
});

test('within the refresh interval the cookie is not sent again; past it, once, with the new expiry', async () => {
  const setCookies = async () => (await fetch(`${server.url}/api/auth/me`, { headers: { Cookie: cookie } })).headers.getSetCookie();
  server.clock.advance(1_000);
  expect(await setCookies()).toEqual([]);
  server.clock.advance(5_000);
  const renewed = await setCookies();
  expect(renewed.map((line) => line.split('=')[0])).toEqual(['wl.sid', 'wl.sid.sig']);
  expect(renewed[0]).toMatch(/; max-age=60;|; expires=/i);
  expect(await setCookies()).toEqual([]);
});

test('past the refresh interval the next request pushes the expiry back with one write', async () => {
  const update = jest.spyOn(server.stores.sessions, 'update');
  server.clock.advance(6_000);
  expect((await call('GET', '/api/auth/me')).status).toBe(200);
  expect(update).toHaveBeenCalledTimes(1);
  server.clock.advance(1_000);
  expect((await call('GET', '/api/auth/me')).status).toBe(200);
  expect(update).toHaveBeenCalledTimes(1);
});

test('the idle timeout counts from the last write: activity keeps the session alive', async () => {
  for (let i = 0; i < 4; i++) {
    server.clock.advance(IDLE_MS - 1_000);
    expect((await call('GET', '/api/auth/me')).status).toBe(200);
  }
  server.clock.advance(IDLE_MS + 1);
  expect((await call('GET', '/api/auth/me')).status).toBe(401);
});

test('a session last written just under the refresh interval ago still has almost all its idle time', async () => {
  server.clock.advance(5_999);
  expect((await call('GET', '/api/auth/me')).status).toBe(200); // not rewritten
  server.clock.advance(IDLE_MS - 5_999 - 1);
  expect((await call('GET', '/api/auth/me')).status).toBe(200);
});

test('a sign-in writes its new session once, with its audit entry; no other write carries one', async () => {
  const set = jest.spyOn(server.stores.sessions, 'set');
  const update = jest.spyOn(server.stores.sessions, 'update');
  const address = privateKeyToAddress(TEST_KEY);
  // A challenge on the signed-in session rewrites it (an update); the login writes a new one.
  const challenge = await call('POST', '/api/auth/challenge', { address });
  const signature = signMessage({ message: challenge.body.message as string, privateKey: TEST_KEY });
  expect((await call('POST', '/api/auth/login', { sid: challenge.body.sid, signature })).status).toBe(200);
  expect(update).toHaveBeenCalled();
  for (const args of update.mock.calls) expect(args).toHaveLength(3);
  expect(set).toHaveBeenCalledTimes(1);
  expect(set.mock.calls[0]![3]).toStrictEqual({ at: server.clock.now(), action: 'login', outcome: 'ok', address, method: 'eoa', ip: expect.any(String), userAgent: expect.any(String), instance: 'test-instance' });
  expect(await server.stores.audit.query({ outcome: 'ok' })).toHaveLength(2);
});
