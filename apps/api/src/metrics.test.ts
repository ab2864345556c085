// /metrics (Prometheus text) after real sign-ins and failures, on the metrics listener's app and
// never on the public port without a token; and the JSON request log: one line per request with
// its id, and never a cookie, key or signature.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createMetricsApp } from './app';
import { formatCookieHeader, register, signIn } from '@wallet-login/client';
import { createMetrics } from './metrics';
import { privateKeyToAddress, signMessage, startServing, TEST_KEY, TEST_SESSION_KEYS, type TestServing } from '@wallet-login/testkit';

const BOB = `0x${'42'.repeat(32)}`;

/** The value of the sample `name{labels}` in a text exposition (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value) && Object.keys(present).length === Object.keys(labels).length) {
      return Number(match[3]);
    }
  }
  return undefined;
}

const logLines: string[] = [];
let server: TestServing;
/** The metrics listener's app over `server`'s metrics, as main.ts serves it. */
let listener: Server;
let metricsUrl: string;
beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  server = await startServing({ logger: pino({ level: 'info', base: { pid: process.pid } }, sink) });
  const app = createMetricsApp({ metrics: { render: () => server.metrics.render(), contentType: server.metrics.registry.contentType }, logger: pino({ level: 'silent' }) });
  listener = createServer(app.callback());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  metricsUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/metrics`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await server.close();
});

/** A challenge naming `address`, signed by `signer`, posted to /login: signature_invalid when they differ. */
async function loginSignedBy(signer: string, address: string): Promise<{ status: number; code?: string; sid: string; signature: string; cookie: string }> {
  const challenge = await fetch(`${server.url}/api/auth/challenge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address }),
  });
  const cookie = challenge.headers.getSetCookie().map((line) => line.split(';', 1)[0]).join('; ');
  const { sid, message } = (await challenge.json()) as { sid: string; message: string };
  const signature = signMessage({ message, privateKey: signer });
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ sid, signature }),
  });
  const body = (await login.json()) as { error?: { code: string } };
  return { status: login.status, code: body.error?.code, sid, signature, cookie };
}

test('sign-ins are counted by action and outcome code, with latency histograms, request counts by route pattern and the store gauges', async () => {
  const { session } = await register({ baseUrl: server.url, privateKey: TEST_KEY });
  const again = await signIn({ baseUrl: server.url, privateKey: TEST_KEY });
  const wrongSigner = await loginSignedBy(BOB, privateKeyToAddress(TEST_KEY));
  expect(wrongSigner).toMatchObject({ status: 401, code: 'signature_invalid' });
  const replay = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: wrongSigner.cookie },
    body: JSON.stringify({ sid: wrongSigner.sid, signature: wrongSigner.signature }),
  });
  expect(replay.status).toBe(401);
  const sessions = (await (await session.fetch('/api/auth/sessions')).json()) as { sessions: Array<{ id: string; current: boolean }> };
  const other = sessions.sessions.find((entry) => !entry.current)!;
  expect((await session.fetch(`/api/auth/sessions/${other.id}`, { method: 'DELETE' })).status).toBe(204);
  await again.me().catch(() => undefined);

  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();

  expect(sample(text, 'wallet_login_logins_total', { action: 'register', outcome: 'ok' })).toBe(1);
  expect(sample(text, 'wallet_login_logins_total', { action: 'login', outcome: 'ok' })).toBe(1);
  expect(sample(text, 'wallet_login_logins_total', { action: 'login', outcome: 'signature_invalid' })).toBe(1);
  expect(sample(text, 'wallet_login_logins_total', { action: 'login', outcome: 'challenge_not_found' })).toBe(1);
  expect(sample(text, 'wallet_login_verify_duration_seconds_count', { action: 'login', outcome: 'ok' })).toBe(1);
  expect(sample(text, 'wallet_login_verify_duration_seconds_bucket', { action: 'login', outcome: 'ok', le: '+Inf' })).toBe(1);
  expect(sample(text, 'wallet_login_challenge_duration_seconds_count', { outcome: 'ok' })).toBe(3);
  expect(sample(text, 'wallet_login_http_requests_total', { method: 'DELETE', route: '/api/auth/sessions/:id', status: '204' })).toBe(1);
  expect(text).not.toContain(other.id);
  expect(sample(text, 'wallet_login_active_sessions')).toBe(await server.stores.sessions.count());
  expect(sample(text, 'wallet_login_active_sessions')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'wallet_login_outstanding_challenges')).toBe(0);
  expect(sample(text, 'wallet_login_live_session_sockets')).toBe(0);
  expect(sample(text, 'wallet_login_instance_info', { instance: 'test-instance' })).toBe(1);

  // Another method is 405 with Allow; the answer is still an error body.
  const post = await fetch(metricsUrl, { method: 'POST' });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD']);

  // The log: one JSON line per request, with its id; nothing secret in any line.
  const secrets = [
    ...Object.values(session.cookies),
    ...Object.values(again.cookies),
    wrongSigner.signature,
    wrongSigner.signature.slice(2, 40),
    TEST_KEY.slice(2),
    BOB.slice(2),
    TEST_SESSION_KEYS[0]!,
    formatCookieHeader(session.cookies)!,
  ];
  const requests = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
  expect(requests.length).toBeGreaterThanOrEqual(10);
  for (const entry of requests) {
    expect(entry.reqId).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(Object.keys(entry).sort()).toEqual(['level', 'method', 'ms', 'msg', 'path', 'pid', 'reqId', 'status', 'time'].sort());
  }
  for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
});

test('the public port serves no /metrics without a token, nor with METRICS=0', async () => {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  const quiet = await startServing({ config: { metrics: { serve: 'off' } } });
  try {
    expect((await fetch(`${quiet.url}/metrics`)).status).toBe(404);
  } finally {
    await quiet.close();
  }
});

test('with METRICS_TOKEN the public port serves /metrics to that bearer token only', async () => {
  const token = `${'t0K-'.repeat(10)}x`;
  const scraped = await startServing({ config: { metrics: { serve: 'public', token } } });
  try {
    const scrape = (authorization?: string) => fetch(`${scraped.url}/metrics`, authorization === undefined ? {} : { headers: { authorization } });
    for (const authorization of [undefined, `Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, `Basic ${token}`, token, `Bearer  ${token}`, 'Bearer ']) {
      const refused = await scrape(authorization);
      expect({ authorization, status: refused.status }).toEqual({ authorization, status: 401 });
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await refused.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
    }
    for (const authorization of [`Bearer ${token}`, `bearer ${token}`]) {
      const res = await scrape(authorization);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(sample(await res.text(), 'wallet_login_instance_info', { instance: 'test-instance' })).toBe(1);
    }
  } finally {
    await scraped.close();
  }
});

test('contract-wallet RPC checks are counted by chain, method, outcome and reason, with a latency histogram', async () => {
  const metrics = createMetrics({ stores: server.stores, instanceId: 'rpc-test' });
  metrics.observeRpcCheck('valid', 12, { chainId: 8453, method: 'erc1271' });
  metrics.observeRpcCheck('valid', 30, { chainId: 8453, method: 'erc6492' });
  metrics.observeRpcCheck('invalid', 8, { chainId: 8453, method: 'erc1271' });
  metrics.observeRpcCheck('unavailable', 3000, { chainId: 1, method: 'erc1271', reason: 'timeout' });
  const text = await metrics.render();
  expect(sample(text, 'wallet_login_rpc_checks_total', { chain: '8453', method: 'erc1271', outcome: 'valid', reason: 'none' })).toBe(1);
  expect(sample(text, 'wallet_login_rpc_checks_total', { chain: '8453', method: 'erc6492', outcome: 'valid', reason: 'none' })).toBe(1);
  expect(sample(text, 'wallet_login_rpc_checks_total', { chain: '8453', method: 'erc1271', outcome: 'invalid', reason: 'none' })).toBe(1);
  expect(sample(text, 'wallet_login_rpc_checks_total', { chain: '1', method: 'erc1271', outcome: 'unavailable', reason: 'timeout' })).toBe(1);
  expect(sample(text, 'wallet_login_rpc_check_duration_seconds_count', { chain: '8453', outcome: 'valid' })).toBe(2);
  expect(sample(text, 'wallet_login_rpc_check_duration_seconds_sum', { chain: '8453', outcome: 'valid' })).toBeCloseTo(0.042);
  expect(sample(text, 'wallet_login_rpc_check_duration_seconds_bucket', { chain: '1', outcome: 'unavailable', le: '2.5' })).toBe(0);
  expect(sample(text, 'wallet_login_rpc_check_duration_seconds_bucket', { chain: '1', outcome: 'unavailable', le: '5' })).toBe(1);
});
