// SSO across subdomains in Chromium: one server (TLS=self-signed, COOKIE_DOMAIN=example.test)
// serves the page on a.example.test and b.example.test (resolved to 127.0.0.1 by the browser).
// Signing in on one signs in the other, each challenge names the subdomain it was asked from, and
// signing out on either ends both: the other page switches to signed out at once (live session).

import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  freePort, launchBrowser, serverSession, SIGNED_IN_HEADING, signInWithWallet, TEST_SESSION_KEYS,
} from '@wallet-login/testkit';
import { startApiProcess, type ApiProcess } from '../support/processes';
import { buildWeb, newTlsContext, pageWithWallet } from './browser';

const KEY = `0x${'6d'.repeat(32)}`;

let dir: string;
let api: ApiProcess;
let browser: Browser;
let context: BrowserContext;
let a: string;
let b: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-sso-'));
  const port = await freePort();
  a = `https://a.example.test:${port}`;
  b = `https://b.example.test:${port}`;
  await buildWeb(join(dir, 'web'));
  [api, browser] = await Promise.all([
    startApiProcess({
      env: {
        PORT: String(port),
        DATA_DIR: join(dir, 'data'),
        WEB_DIR: join(dir, 'web'),
        TLS: 'self-signed',
        PUBLIC_ORIGIN: a,
        ALLOWED_ORIGINS: b,
        COOKIE_DOMAIN: 'example.test',
        SESSION_KEYS: TEST_SESSION_KEYS.join(','),
      },
    }),
    launchBrowser(['--host-resolver-rules=MAP *.example.test 127.0.0.1']),
  ]);
}, 120_000);

beforeEach(async () => {
  context = await newTlsContext(browser);
});
afterEach(async () => {
  await context.close();
});
afterAll(async () => {
  await browser?.close();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the generated certificate names both subdomains', () => {
  const certificate = new X509Certificate(readFileSync(join(dir, 'data', 'tls', 'self-signed.crt'), 'utf8'));
  expect(certificate.checkHost('a.example.test')).toBe('a.example.test');
  expect(certificate.checkHost('b.example.test')).toBe('b.example.test');
  expect(certificate.checkHost('evil.example.test')).toBeUndefined();
});

test('sign in on a, be signed in on b; sign out on b ends both, and a switches to signed out at once', async () => {
  const { page: pageA, wallet } = await pageWithWallet(context, KEY);
  await pageA.goto(a);
  await signInWithWallet(pageA, 'Test Wallet', 'Create account');
  const address = wallet.addresses[0]!;
  expect(wallet.signed[0]).toMatch(new RegExp(`^a\\.example\\.test:${new URL(a).port} wants you to sign in`));
  expect(wallet.signed[0]).toContain(`URI: ${a}\n`);

  const cookie = (await context.cookies()).find((entry) => entry.name === '__Secure-wl.sid');
  expect(cookie).toMatchObject({ domain: '.example.test', secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
  expect((await context.cookies()).some((entry) => entry.name.startsWith('__Host-'))).toBe(false);

  const pageB = await context.newPage();
  await pageB.goto(b);
  await pageB.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  expect(await serverSession(pageB)).toEqual({ status: 200, address });

  await pageB.getByRole('button', { name: 'Sign out', exact: true }).click();
  await pageB.getByText('You signed out.').waitFor();
  // Page a hears it over its live session, without a reload.
  await pageA.getByText('Your session ended elsewhere').waitFor();
  expect(await serverSession(pageA)).toEqual({ status: 401, address: undefined });
  expect(await serverSession(pageB)).toEqual({ status: 401, address: undefined });
});

test('a challenge asked for on b names b; signing in there signs in a; sign out on a ends both', async () => {
  const { page: pageB, wallet } = await pageWithWallet(context, KEY);
  await pageB.goto(b);
  await signInWithWallet(pageB, 'Test Wallet', 'Create account');
  expect(wallet.signed[0]).toMatch(new RegExp(`^b\\.example\\.test:${new URL(b).port} wants you to sign in`));
  expect(wallet.signed[0]).toContain(`URI: ${b}\n`);

  const pageA = await context.newPage();
  await pageA.goto(a);
  await pageA.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await pageA.getByRole('button', { name: 'Sign out', exact: true }).click();
  await pageB.getByText('Your session ended elsewhere').waitFor();
  expect(await serverSession(pageB)).toEqual({ status: 401, address: undefined });
});

test('a page on a subdomain not in ALLOWED_ORIGINS gets the cookie but cannot use it: CORS and the live session refuse it', async () => {
  // The probes run as the tests' own script, past the pages' policy (which would stop any
  // cross-origin request before the server could answer it).
  const probing = await newTlsContext(browser, { bypassCSP: true });
  try {
    const { page, wallet } = await pageWithWallet(probing, KEY);
    await page.goto(a);
    await signInWithWallet(page, 'Test Wallet', 'Create account');
    expect(wallet.signed).toHaveLength(1);
    const probe = async (origin: string): Promise<{ me: string; socket: string }> => {
      const other = await probing.newPage();
      await other.goto(`${origin}/healthz`);
      return other.evaluate(probeSession, a);
    };
    // b is an allowed origin: from its pages, a's API and live session answer.
    expect(await probe(b)).toEqual({ me: 'status 200', socket: 'open' });
    // evil.example.test is not, though the cookie (Domain=example.test) reaches it.
    expect(await probe(`https://evil.example.test:${new URL(a).port}`)).toEqual({ me: 'blocked', socket: 'refused' });
  } finally {
    await probing.close();
  }
});

/** Runs in a page: a credentialed fetch of `target`'s /api/auth/me and a live-session socket to it. */
async function probeSession(target: string): Promise<{ me: string; socket: string }> {
  const me = await fetch(`${target}/api/auth/me`, { credentials: 'include' }).then(
    (response) => `status ${response.status}`,
    () => 'blocked',
  );
  const socket = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`${target.replace('https', 'wss')}/api/ws`);
    ws.onopen = () => {
      ws.close();
      resolve('open');
    };
    ws.onerror = () => resolve('refused');
  });
  return { me, socket };
}
