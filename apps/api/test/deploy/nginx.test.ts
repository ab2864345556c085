// deploy/nginx.conf in front of two API processes, with a self-signed certificate: the redirect to
// https, the page served as files with security headers, sign-in through the SDK and through
// Chromium, the live-session WebSocket upgraded through the proxy, the body limit, and one
// instance going away.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { formatCookieHeader, register, signIn } from '@wallet-login/client';
import { connectLiveSession, fetchTrusting, freePort, launchBrowser, liveSessionUrl, serverSession, signInWithWallet, TEST_KEY, TEST_SESSION_KEYS } from '@wallet-login/testkit';
import { createSelfSignedCertificate, type TlsCredentials } from '../../src/server/tls';
import { startApiProcess, type ApiProcess } from '../support/processes';
import { buildWeb, newTlsContext, pageWithWallet } from './browser';
import { renderSite, startNginx, type Nginx } from './nginx';
import { sharedStoresEnv, type SharedStores } from './stores';

const BOB = `0x${'42'.repeat(32)}`;

let dir: string;
let tls: TlsCredentials;
let origin: string;
let httpPort: number;
let apis: ApiProcess[] = [];
let nginx: Nginx;
let browser: Browser;
let stores: SharedStores;
let trusted: typeof globalThis.fetch;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-nginx-'));
  // nginx's workers (an unprivileged user when the tests run as root) read the page below it.
  chmodSync(dir, 0o755);
  tls = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'], now: Date.parse('2020-01-01T00:00:00Z'), validityMs: 100 * 365 * 24 * 3600 * 1000 });
  mkdirSync(join(dir, 'tls'));
  writeFileSync(join(dir, 'tls', 'cert.pem'), tls.cert);
  writeFileSync(join(dir, 'tls', 'key.pem'), tls.key, { mode: 0o600 });
  trusted = fetchTrusting(tls.cert);

  const [httpsPort, plainPort] = [await freePort(), await freePort()];
  httpPort = plainPort;
  origin = `https://localhost:${httpsPort}`;
  stores = await sharedStoresEnv(join(dir, 'data'));
  const env = { ...stores.env, PUBLIC_ORIGIN: origin, TRUST_PROXY: '1', SESSION_KEYS: TEST_SESSION_KEYS.join(',') };
  const [, first, second] = await Promise.all([
    buildWeb(join(dir, 'web')),
    startApiProcess({ env: { ...env, INSTANCE_ID: 'api-a' } }),
    startApiProcess({ env: { ...env, INSTANCE_ID: 'api-b' } }),
  ]);
  apis = [first, second];
  const site = renderSite({
    serverName: 'localhost',
    httpPort,
    httpsPort,
    certFile: join(dir, 'tls', 'cert.pem'),
    keyFile: join(dir, 'tls', 'key.pem'),
    root: join(dir, 'web'),
    upstreams: apis.map((api) => `127.0.0.1:${api.port}`),
  });
  mkdirSync(join(dir, 'nginx'));
  nginx = await startNginx({ dir: join(dir, 'nginx'), site, port: httpsPort });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await Promise.all(apis.map((api) => api.stop()));
  await stores?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('plain HTTP is redirected to HTTPS', async () => {
  const res = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: httpPort, path: '/account?tab=1', headers: { host: 'localhost' } }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, location: response.headers.location });
    })
      .on('error', reject)
      .end();
  });
  expect(res).toEqual({ status: 301, location: 'https://localhost/account?tab=1' });
});

test('the page is served as files with the security headers; assets cached for good, index.html revalidated', async () => {
  const page = await trusted(`${origin}/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<div id="root">');
  expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const policy = page.headers.get('content-security-policy') ?? '';
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain(`connect-src 'self' wss://localhost:${new URL(origin).port}`);
  expect(page.headers.get('server')).toBe('nginx');

  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const script = await trusted(`${origin}${asset}`);
  expect(script.status).toBe(200);
  expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(script.headers.get('content-type')).toMatch(/javascript/);
  expect((await trusted(`${origin}/assets/missing-0000.js`)).status).toBe(404);

  const route = await trusted(`${origin}/account`);
  expect(route.status).toBe(200);
  expect(await route.text()).toBe(html);
});

test('/metrics and /readyz are not served to the public; the API is', async () => {
  expect((await trusted(`${origin}/metrics`)).status).toBe(404);
  // Nor by the instances on their own ports: their metrics are on a listener of their own.
  for (const api of apis) {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
    expect(api.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  }
  expect((await trusted(`${origin}/readyz`)).status).toBe(404);
  const health = await trusted(`${origin}/healthz`);
  expect(await health.json()).toEqual({ status: 'ok' });
  const me = await trusted(`${origin}/api/auth/me`);
  expect(me.status).toBe(401);
  expect(me.headers.get('cache-control')).toBe('no-store');
  expect(me.headers.get('content-security-policy')).toContain("default-src 'none'");
});

test('the SDK signs in through nginx; requests reach both instances', async () => {
  const { session } = await register({ baseUrl: origin, privateKey: TEST_KEY, fetch: trusted });
  expect(Object.keys(session.cookies)).toContain('__Host-wl.sid');
  for (let i = 0; i < 6; i += 1) {
    const again = await signIn({ baseUrl: origin, privateKey: TEST_KEY, fetch: trusted });
    expect((await again.me()).address).toBe(session.address);
    await again.logout();
  }
  // nginx balances round-robin, so challenges issued by one instance were answered on the other:
  // both served requests, and between them counted every sign-in.
  let logins = 0;
  for (const api of apis) {
    const metrics = await (await fetch(api.metricsUrl!)).text();
    expect(metrics).toMatch(/^wallet_login_http_requests_total\{method="POST",route="\/api\/auth\/(challenge|login)",status="200"\} [1-9]\d*$/m);
    logins += Number(/^wallet_login_logins_total\{action="login",outcome="ok"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  }
  expect(logins).toBe(6);
  // Their logs name the client nginx saw, not what the client claims in X-Forwarded-For.
  const spoofed = await trusted(`${origin}/api/auth/me`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
  expect(spoofed.status).toBe(401);
  expect(apis.flatMap((api) => api.output().split('\n')).some((line) => line.includes('203.0.113.9'))).toBe(false);
});

test('bodies over the limit get a JSON 413 from nginx (past 128 KiB) or from the API (past 96 KiB)', async () => {
  for (const size of [100 * 1024, 200 * 1024]) {
    const res = await trusted(`${origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(size) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
  }
});

test('the live-session WebSocket upgrades through nginx (wss) and hears a sign-out made through another connection', async () => {
  const { session } = await register({ baseUrl: origin, privateKey: BOB, fetch: trusted });
  const client = await connectLiveSession({ url: liveSessionUrl(origin), cookie: formatCookieHeader(session.cookies), origin, ca: tls.cert });
  expect(await client.next()).toEqual({ type: 'signed_in', address: session.address });
  await session.logout();
  expect(await client.next()).toEqual({ type: 'signed_out' });
  expect((await client.closed).code).toBe(1000);
});

test('Chromium signs in with a wallet on the page through nginx, with no policy violations, and stays signed in on reload', async () => {
  const context = await newTlsContext(browser);
  try {
    const { page, wallet } = await pageWithWallet(context, `0x${'5c'.repeat(32)}`);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.goto(origin);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await signInWithWallet(page, 'Test Wallet', 'Create account');
    expect(wallet.signed).toHaveLength(1);
    expect(wallet.signed[0]).toMatch(new RegExp(`^localhost:${new URL(origin).port} wants you to sign in`));
    expect(await serverSession(page)).toEqual({ status: 200, address: wallet.addresses[0] });
    const cookies = await context.cookies();
    expect(cookies.find((cookie) => cookie.name === '__Host-wl.sid')).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });

    await page.reload();
    expect(await serverSession(page)).toEqual({ status: 200, address: wallet.addresses[0] });
    expect(violations).toEqual([]);
  } finally {
    await context.close();
  }
});

test('with one instance gone, nginx sends everything to the other', async () => {
  const [gone] = apis.splice(1, 1);
  await gone!.stop();
  for (let i = 0; i < 4; i += 1) {
    const session = await signIn({ baseUrl: origin, privateKey: TEST_KEY, fetch: trusted });
    expect((await session.me()).address).toBeDefined();
  }
  expect(nginx.errors()).toMatch(/connect\(\) failed \(111: Connection refused\)/);
});
