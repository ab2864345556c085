// deploy/nginx-forward-auth.conf in a test-owned nginx, protecting a small upstream app with
// wallet-login's GET /api/auth/verify: a signed-in visitor reaches the app, which sees the
// address header; a signed-out one is sent to the sign-in page with return_to; a header the
// visitor forges never reaches the app. In Chromium, the sign-in page brings a visitor who signs
// in back to the URL they asked for, and follows no return_to to another site.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { formatCookieHeader, register } from '@wallet-login/client';
import {
  chooseWallet, freePort, launchBrowser, newContext, privateKeyToAddress, serverSession, SIGNED_IN_HEADING, startServing, TEST_KEY, TEST_KEYS,
  waitForLoaded, type TestServing,
} from '@wallet-login/testkit';
import { buildWeb, pageWithWallet } from './browser';
import { startNginx, type Nginx } from './nginx';

const FORWARD_AUTH_CONF = join(__dirname, '..', '..', '..', '..', 'deploy', 'nginx-forward-auth.conf');
const ADDRESS = privateKeyToAddress(TEST_KEY);

let dir: string;
let login: TestServing;
let app: Server;
let nginx: Nginx;
let appOrigin: string;
let browser: Browser;
/** The headers of every request the protected app received. */
const received: IncomingHttpHeaders[] = [];

/** The example file with this run's hosts and ports, and no TLS (each replaced line must be there as written). */
function renderForwardAuth(options: { port: number; apiPort: number; appPort: number; loginOrigin: string }): string {
  let text = readFileSync(FORWARD_AUTH_CONF, 'utf8');
  const replace = (from: string, to: string): void => {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`deploy/nginx-forward-auth.conf: expected 1 × ${from}, found ${count}`);
    text = text.replace(from, to);
  };
  replace('    listen 443 ssl http2;\n', `    listen 127.0.0.1:${options.port};\n`);
  replace('    ssl_certificate     /etc/ssl/app/fullchain.pem;\n', '');
  replace('    ssl_certificate_key /etc/ssl/app/privkey.pem;\n', '');
  replace('    server 127.0.0.1:8081;\n', `    server 127.0.0.1:${options.apiPort};\n`);
  replace('    server 127.0.0.1:3000;\n', `    server 127.0.0.1:${options.appPort};\n`);
  replace('proxy_set_header Host login.example.com;', `proxy_set_header Host ${new URL(options.loginOrigin).host};`);
  replace('https://login.example.com/?return_to=', `${options.loginOrigin}/?return_to=`);
  return text;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-forward-auth-'));
  const port = await freePort();
  appOrigin = `http://127.0.0.1:${port}`;
  const [, launched] = await Promise.all([buildWeb(join(dir, 'web')), launchBrowser()]);
  browser = launched;
  // The app's origin is allowed, so the sign-in page may return there. (The cookie of 127.0.0.1
  // reaches every port of it, as COOKIE_DOMAIN makes it reach sibling hosts in production.)
  login = await startServing({ config: (url) => ({ webDir: join(dir, 'web'), allowedOrigins: [url, appOrigin] }) });
  app = createServer((req, res) => {
    received.push(req.headers);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html lang="en"><head><title>App</title></head><body><main><p id="hello">hello ${String(req.headers['x-wallet-address'])}</p></main></body></html>`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const site = renderForwardAuth({ port, apiPort: Number(new URL(login.url).port), appPort: (app.address() as AddressInfo).port, loginOrigin: login.url });
  nginx = await startNginx({ dir, site, port });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  await login?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signedInCookie(): Promise<string> {
  const { session } = await register({ baseUrl: login.url, privateKey: TEST_KEY });
  return formatCookieHeader(session.cookies)!;
}

test('a signed-in visitor reaches the app, which sees the address and the session expiry', async () => {
  const cookie = await signedInCookie();
  received.length = 0;
  const res = await fetch(`${appOrigin}/dashboard?tab=1`, { headers: { cookie }, redirect: 'manual' });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain(`<p id="hello">hello ${ADDRESS}</p>`);
  expect(received).toHaveLength(1);
  expect(received[0]!['x-wallet-address']).toBe(ADDRESS);
  expect(Number(received[0]!['x-wallet-session-expires'])).toBeGreaterThan(login.clock.now());
});

test('a signed-out visitor is sent to the sign-in page with return_to, and the app is not asked', async () => {
  received.length = 0;
  const res = await fetch(`${appOrigin}/dashboard?tab=1&x=2`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe(`${login.url}/?return_to=${appOrigin}/dashboard?tab=1&x=2`);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(received).toHaveLength(0);
});

test('after signing out, the next request goes to sign-in again', async () => {
  const cookie = await signedInCookie();
  expect((await fetch(`${appOrigin}/`, { headers: { cookie }, redirect: 'manual' })).status).toBe(200);
  await fetch(`${login.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
  expect((await fetch(`${appOrigin}/`, { headers: { cookie }, redirect: 'manual' })).status).toBe(302);
});

test('an address header the visitor sends never reaches the app', async () => {
  received.length = 0;
  const forged = await fetch(`${appOrigin}/`, { headers: { 'x-wallet-address': '0x000000000000000000000000000000000000dEaD' }, redirect: 'manual' });
  expect(forged.status).toBe(302);
  const cookie = await signedInCookie();
  const res = await fetch(`${appOrigin}/`, { headers: { cookie, 'x-wallet-address': '0x000000000000000000000000000000000000dEaD' }, redirect: 'manual' });
  expect(res.status).toBe(200);
  expect(received.map((headers) => headers['x-wallet-address'])).toEqual([ADDRESS]);
});

test('the verify subrequest location is internal: a visitor cannot call it', async () => {
  expect((await fetch(`${appOrigin}/_wallet_login_verify`, { redirect: 'manual' })).status).toBe(404);
});

describe('in Chromium', () => {
  let context: BrowserContext;
  beforeEach(async () => {
    context = await newContext(browser);
  });
  afterEach(async () => {
    await context.close();
  });

  test('a signed-out visitor is sent to sign in, signs in with the wallet, and comes back to the URL asked for', async () => {
    const { page, wallet } = await pageWithWallet(context, TEST_KEYS.bob);
    const asked = `${appOrigin}/dashboard?tab=1&x=2`;
    await page.goto(asked);
    expect(page.url()).toBe(`${login.url}/?return_to=${asked}`);
    await waitForLoaded(page);
    await page.getByText(`Sign in to go on to ${new URL(appOrigin).host}.`).waitFor();
    await chooseWallet(page, 'Test Wallet', 'Create account');
    await page.waitForURL(asked);
    await expect(page.locator('#hello').textContent()).resolves.toBe(`hello ${wallet.addresses[0]}`);

    // Signed in already, the page goes back at once, with no signature.
    await page.goto(`${login.url}/?return_to=${appOrigin}/settings`);
    await page.waitForURL(`${appOrigin}/settings`);
    expect(wallet.signed).toHaveLength(1);
  });

  test('a return_to to another site is not followed: the visitor stays on the page, signed in', async () => {
    const { page, wallet } = await pageWithWallet(context, TEST_KEYS.carol);
    const elsewhere = `${login.url}/?return_to=http://elsewhere.test/steal?x=1`;
    await page.goto(elsewhere);
    await waitForLoaded(page);
    expect(await page.getByText('Sign in to go on to').count()).toBe(0);
    await chooseWallet(page, 'Test Wallet', 'Create account');
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    expect(page.url()).toBe(elsewhere);
    expect(await serverSession(page)).toEqual({ status: 200, address: wallet.addresses[0] });

    // Nor when signed in already, nor protocol-relative, nor with userinfo naming an allowed host.
    for (const target of ['//elsewhere.test/', `http://127.0.0.1:${new URL(appOrigin).port}@elsewhere.test/`, 'javascript:alert(1)']) {
      await page.goto(`${login.url}/?return_to=${target}`);
      await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
      expect(page.url()).toBe(`${login.url}/?return_to=${target}`);
    }
  });
});
