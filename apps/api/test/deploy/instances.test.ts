// Two API processes on different ports sharing Redis and PostgreSQL (and the cookie signing keys):
// a challenge issued by one is completed on the other, a session made on one is valid on the
// other, and ending it on either ends it on both, live-session sockets included.

import { formatCookieHeader, register, signIn, WalletSession } from '@wallet-login/client';
import { connectLiveSession, freePort, liveSessionUrl, signMessage, TEST_KEY } from '@wallet-login/testkit';
import { startApiProcess, type ApiProcess } from '../support/processes';
import { startTwoInstances, type TwoInstances } from './stores';

let deployment: TwoInstances;
let one: ApiProcess;
let two: ApiProcess;
/** The EIP-4361 domain both name: the SDK is told to expect it, as behind a proxy. */
let domain: string;

beforeAll(async () => {
  deployment = await startTwoInstances({ prefix: 'wallet-login-instances-' });
  ({ one, two } = deployment);
  domain = new URL(deployment.publicOrigin).host;
}, 60_000);

afterAll(async () => {
  await deployment?.stop();
});

test('a challenge issued by one instance is completed on the other', async () => {
  await register({ baseUrl: one.url, privateKey: TEST_KEY, domain });
  const issued = await fetch(`${one.url}/api/auth/challenge`, { method: 'POST' });
  const cookie = issued.headers.getSetCookie().map((line) => line.split(';', 1)[0]).join('; ');
  const { sid, message } = (await issued.json()) as { sid: string; message: string };
  const login = await fetch(`${two.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ sid, signature: signMessage({ message, privateKey: TEST_KEY }) }),
  });
  expect(login.status).toBe(200);
  const session = login.headers.getSetCookie().map((line) => line.split(';', 1)[0]).join('; ');
  expect((await fetch(`${one.url}/api/auth/me`, { headers: { cookie: session } })).status).toBe(200);
  // Used once, on any instance.
  const replay = await fetch(`${one.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ sid, signature: signMessage({ message, privateKey: TEST_KEY }) }),
  });
  expect(replay.status).toBe(401);
});

test('a session made on one is valid on the other; logout on one ends it on both, and live sockets on the other hear it', async () => {
  const session = await signIn({ baseUrl: one.url, privateKey: TEST_KEY, domain });
  const onTwo = WalletSession.restore({ baseUrl: two.url, cookies: session.cookies });
  expect((await onTwo.me()).address).toBe(session.address);

  const socket = await connectLiveSession({ url: liveSessionUrl(two.url), cookie: formatCookieHeader(session.cookies) });
  expect(await socket.next()).toEqual({ type: 'signed_in', address: session.address });

  await session.logout(); // on one
  expect(await socket.next()).toEqual({ type: 'signed_out' });
  await expect(onTwo.me()).rejects.toMatchObject({ code: 'unauthenticated' });
  expect((await fetch(`${one.url}/api/auth/me`, { headers: { cookie: formatCookieHeader(session.cookies)! } })).status).toBe(401);
});

test('logout-all and revoke on one instance close the sockets held by the other', async () => {
  const first = await signIn({ baseUrl: one.url, privateKey: TEST_KEY, domain });
  const second = await signIn({ baseUrl: two.url, privateKey: TEST_KEY, domain });
  const third = await signIn({ baseUrl: two.url, privateKey: TEST_KEY, domain });
  const secondSocket = await connectLiveSession({ url: liveSessionUrl(two.url), cookie: formatCookieHeader(second.cookies) });
  const thirdSocket = await connectLiveSession({ url: liveSessionUrl(two.url), cookie: formatCookieHeader(third.cookies) });
  await Promise.all([secondSocket.next(), thirdSocket.next()]);

  // Revoke the second session from the first, on instance one.
  const list = (await (await first.fetch('/api/auth/sessions')).json()) as { sessions: Array<{ id: string; current: boolean }> };
  const secondKey = (await (await second.fetch('/api/auth/sessions')).json()) as { sessions: Array<{ id: string; current: boolean }> };
  const target = secondKey.sessions.find((entry) => entry.current)!.id;
  expect(list.sessions.map((entry) => entry.id)).toContain(target);
  expect((await first.fetch(`/api/auth/sessions/${target}`, { method: 'DELETE' })).status).toBe(204);
  expect(await secondSocket.next()).toEqual({ type: 'signed_out' });

  // Then everything, from instance one: the third session's socket on two closes too.
  expect((await first.fetch('/api/auth/logout-all', { method: 'POST' })).status).toBe(200);
  expect(await thirdSocket.next()).toEqual({ type: 'signed_out' });
  await expect(third.me()).rejects.toMatchObject({ code: 'unauthenticated' });
});

test('WORKERS=2 on Redis and PostgreSQL: a sign-out reaches the live sessions of both workers and of the other instance', async () => {
  const port = await freePort();
  const cluster = await startApiProcess({
    env: { ...deployment.env, PORT: String(port), WORKERS: '2', LOG_LEVEL: 'debug' },
  });
  try {
    const session = await signIn({ baseUrl: cluster.url, privateKey: TEST_KEY, domain });
    const cookie = formatCookieHeader(session.cookies);
    // Connections alternate between the workers; one more socket is held by instance two.
    const sockets = [];
    for (let i = 0; i < 4; i += 1) sockets.push(await connectLiveSession({ url: liveSessionUrl(cluster.url), cookie }));
    sockets.push(await connectLiveSession({ url: liveSessionUrl(two.url), cookie }));
    for (const socket of sockets) expect(await socket.next()).toEqual({ type: 'signed_in', address: session.address });
    expect(new Set(cluster.logs().filter((entry) => entry.msg === 'live session opened').map((entry) => entry.pid)).size).toBe(2);

    await session.logout(); // on one worker of the cluster
    for (const socket of sockets) expect(await socket.next()).toEqual({ type: 'signed_out' });
  } finally {
    expect(await cluster.stop()).toBe(0);
  }
}, 60_000);
