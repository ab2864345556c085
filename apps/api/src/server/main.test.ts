// `npm start` as a real process: built-in HTTPS with a generated certificate, a WORKERS=2
// cluster (requests and live sessions spread over both workers, sign-outs heard across them,
// metrics aggregated, a crashed worker replaced, a clean stop), and where /metrics is served.

import { get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCookieHeader, register, signIn } from '@wallet-login/client';
import { connectLiveSession, eventually, fetchTrusting, freePort, type LiveSessionClient, liveSessionUrl, TEST_KEY, TEST_SESSION_KEYS } from '@wallet-login/testkit';
import { startApiProcess, type ApiProcess } from '../../test/support/processes';


let dataDir: string;
const running: ApiProcess[] = [];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-main-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.stop('SIGKILL')));
  rmSync(dataDir, { recursive: true, force: true });
});

/** GET on a connection of its own; resolves with the status. */
function statusOf(url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { cookie } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

async function start(env: Record<string, string>): Promise<ApiProcess> {
  const api = await startApiProcess({ env: { DATA_DIR: dataDir, SESSION_KEYS: TEST_SESSION_KEYS.join(','), ...env } });
  running.push(api);
  return api;
}

test('TLS=self-signed: https with a generated certificate kept in DATA_DIR, a Secure __Host- cookie and HSTS', async () => {
  const port = await freePort();
  const api = await start({ PORT: String(port), TLS: 'self-signed' });
  expect(api.url).toBe(`https://127.0.0.1:${port}`);
  const cert = readFileSync(join(dataDir, 'tls', 'self-signed.crt'), 'utf8');
  const fetch = fetchTrusting(cert);

  // The public origin defaults to https://localhost:PORT, which the certificate names.
  const baseUrl = `https://localhost:${port}`;
  const { session } = await register({ baseUrl, privateKey: TEST_KEY, fetch });
  expect(Object.keys(session.cookies)).toContain('__Host-wl.sid');
  const res = await session.fetch('/api/auth/me');
  expect(res.status).toBe(200);
  expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');

  // The same certificate after a restart (browsers that accepted it keep accepting it).
  expect(await api.stop()).toBe(0);
  running.pop();
  await start({ PORT: String(port), TLS: 'self-signed' });
  expect(readFileSync(join(dataDir, 'tls', 'self-signed.crt'), 'utf8')).toBe(cert);
  expect((await session.fetch('/api/auth/me')).status).toBe(200);
});

test('WORKERS=2: both workers serve, a sign-out on one reaches live sessions on the other, metrics cover both, a crashed worker is replaced', async () => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const api = await start({ PORT: String(port), WORKERS: '2', PUBLIC_ORIGIN: baseUrl, LOG_LEVEL: 'debug' });
  expect(api.url).toBe(baseUrl);

  const { session } = await register({ baseUrl, privateKey: TEST_KEY });
  const cookie = formatCookieHeader(session.cookies)!;
  // The cluster spreads connections, so each request comes on a new one.
  for (let i = 0; i < 6; i += 1) expect(await statusOf(`${baseUrl}/api/auth/me`, cookie)).toBe(200);
  const workerPids = (): Set<unknown> => new Set(api.logs().filter((entry) => entry.msg === 'request').map((entry) => entry.pid));
  expect(workerPids().size).toBe(2);

  // Four connections alternate between the workers; one logout, handled by one worker, ends them all.
  const sockets: LiveSessionClient[] = [];
  for (let i = 0; i < 4; i += 1) {
    const client = await connectLiveSession({ url: liveSessionUrl(baseUrl), cookie });
    expect(await client.next()).toEqual({ type: 'signed_in', address: session.address });
    sockets.push(client);
  }
  const socketPids = new Set(api.logs().filter((entry) => entry.msg === 'live session opened').map((entry) => entry.pid));
  expect(socketPids.size).toBe(2);
  await session.logout();
  for (const client of sockets) expect(await client.next()).toEqual({ type: 'signed_out' });

  // The metrics listener (the primary's, on 127.0.0.1) answers for the cluster: both instances,
  // every sign-in. The public port serves none.
  expect(api.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const metrics = await (await fetch(api.metricsUrl!)).text();
  expect(metrics.match(/^wallet_login_instance_info\{/gm)).toHaveLength(2);
  expect(metrics).toMatch(/^wallet_login_logins_total\{action="register",outcome="ok"\} 1$/m);
  expect((await fetch(`${baseUrl}/metrics`)).status).toBe(404);

  // A worker killed outright is replaced; the service keeps answering.
  const [victim] = [...workerPids()] as number[];
  process.kill(victim!, 'SIGKILL');
  await eventually(() => expect(api.logs().some((entry) => entry.msg === 'worker exited; starting another')).toBe(true));
  const again = formatCookieHeader((await signIn({ baseUrl, privateKey: TEST_KEY })).cookies)!;
  await eventually(async () => {
    for (let i = 0; i < 4; i += 1) expect(await statusOf(`${baseUrl}/api/auth/me`, again)).toBe(200);
    expect(new Set(api.logs().filter((entry) => entry.msg === 'request').map((entry) => entry.pid)).size).toBe(3);
  }, 15_000);

  // SIGTERM to the primary stops every worker, and it exits 0.
  expect(await api.stop('SIGTERM')).toBe(0);
  expect(api.logs().filter((entry) => entry.msg === 'shutting down').length).toBe(2);
}, 60_000);

test('one process: /metrics on its own listener at METRICS_HOST:METRICS_PORT, never on the public port without a token', async () => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const api = await start({ PORT: String(port), METRICS_PORT: String(metricsPort), PUBLIC_ORIGIN: baseUrl });
  expect(api.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
  await register({ baseUrl, privateKey: TEST_KEY });
  const scraped = await fetch(api.metricsUrl!);
  expect(scraped.status).toBe(200);
  expect(await scraped.text()).toMatch(/^wallet_login_logins_total\{action="register",outcome="ok"\} 1$/m);
  expect((await fetch(`${baseUrl}/metrics`)).status).toBe(404);
  expect(await api.stop()).toBe(0);
  running.pop();

  // METRICS_TOKEN: on the public port, for that bearer only; no listener of its own.
  const token = 'm'.repeat(40);
  const tokened = await start({ PORT: String(port), PUBLIC_ORIGIN: baseUrl, METRICS_TOKEN: token });
  expect(tokened.metricsUrl).toBeUndefined();
  expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
  expect((await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
}, 60_000);

test('a start-up failure in the workers stops the cluster with a message', async () => {
  const port = await freePort();
  const blocker = await start({ PORT: String(port), PUBLIC_ORIGIN: `http://127.0.0.1:${port}` });
  await expect(startApiProcess({ env: { DATA_DIR: dataDir, PORT: String(port), WORKERS: '2', SESSION_KEYS: TEST_SESSION_KEYS.join(',') } })).rejects.toThrow(
    /exited with 1 before listening[\s\S]*(EADDRINUSE|address already in use|worker exited during start-up)/,
  );
  await blocker.stop();
}, 60_000);
