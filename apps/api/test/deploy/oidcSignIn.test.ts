// The OpenID Connect sign-in through the page, in Chromium: a relying party on another port (a
// tiny node:http app with openid-client, as in the README) sends the browser to the provider;
// the page at /?interaction=<uid> signs in with the test wallet (the message lists the relying
// party's redirect URI under Resources) and asks for consent; the relying party gets tokens and
// verifies the ID token. Then single sign-on with no signature, Deny, a fresh signature when the
// application asks for one, an expired request, end-session signing the browser out, and the
// sessions screen's "Apps you allowed" with its Remove.
// The server's clock starts at the wall clock: oidc-provider reads the wall clock itself.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  chooseWallet, createTestClock, launchBrowser, newContext, serverSession, SIGNED_IN_HEADING, signInWithWallet, startServing,
  TEST_KEYS, type TestServing, type TestWallet,
} from '@wallet-login/testkit';
import { createClient } from '../../src/oidc/clients';
import { loadOpenIdClient, type OpenIdClient } from '../support/oidc';
import { buildWeb, pageWithWallet } from './browser';

const KEY = TEST_KEYS.alice;

let dir: string;
let server: TestServing;
let browser: Browser;
let context: BrowserContext;
let rp: RelyingParty;
/** Uncaught errors and Content-Security-Policy violations of this test's pages. */
let problems: string[] = [];

/** What the relying party saw at its callback, newest last. */
interface Callback {
  error?: string;
  sub?: string;
  preferredUsername?: string;
  idToken?: string;
  accessToken?: string;
}

interface RelyingParty {
  origin: string;
  redirectUri: string;
  callbacks: Callback[];
  close(): Promise<void>;
}

/**
 * The relying party: GET /login[?prompt=…] starts a code flow with PKCE, state and nonce;
 * /callback redeems the code (openid-client verifies the ID token: issuer, audience, signature
 * against the JWKS, nonce) or records the error; /logout goes to the provider's end-session
 * endpoint with the last ID token; /signed-out is where it comes back.
 */
async function startRelyingParty(issuer: URL): Promise<RelyingParty> {
  const oidc: OpenIdClient = await loadOpenIdClient();
  const httpServer: Server = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const redirectUri = `${origin}/callback`;
  const { client, secret } = createClient(
    { name: 'Test App', redirectUris: [redirectUri], postLogoutRedirectUris: [`${origin}/signed-out`] },
    { random: (n) => new Uint8Array(randomBytes(n)), now: server.clock.now() },
  );
  await server.stores.clients.add(client);
  const config = await oidc.discovery(issuer, client.clientId, undefined, oidc.ClientSecretBasic(secret!), { execute: [oidc.allowInsecureRequests] });
  const flows = new Map<string, { verifier: string; nonce: string }>();
  const callbacks: Callback[] = [];
  const page = (res: import('node:http').ServerResponse, title: string, text: string): void => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1><p id="result">${text}</p></main></body></html>`);
  };
  httpServer.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/login') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        flows.set(state, { verifier, nonce });
        const prompt = url.searchParams.get('prompt');
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri, scope: 'openid profile', state, nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
          ...(prompt ? { prompt } : {}),
        });
        res.writeHead(302, { location: target.href }).end();
      } else if (url.pathname === '/callback') {
        const error = url.searchParams.get('error');
        if (error !== null) {
          callbacks.push({ error });
          return page(res, 'Not signed in', `Refused: ${error}`);
        }
        const flow = flows.get(url.searchParams.get('state') ?? '');
        if (!flow) throw new Error('a callback for no flow of ours');
        const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: flow.verifier, expectedState: url.searchParams.get('state')!, expectedNonce: flow.nonce });
        const claims = tokens.claims()!;
        callbacks.push({ sub: claims.sub, preferredUsername: String(claims.preferred_username), idToken: tokens.id_token!, accessToken: tokens.access_token });
        page(res, 'Signed in', `Signed in as ${claims.sub}`);
      } else if (url.pathname === '/logout') {
        const idToken = [...callbacks].reverse().find((callback) => callback.idToken !== undefined)?.idToken;
        const target = oidc.buildEndSessionUrl(config, { id_token_hint: idToken!, post_logout_redirect_uri: `${origin}/signed-out` });
        res.writeHead(302, { location: target.href }).end();
      } else if (url.pathname === '/signed-out') {
        page(res, 'Signed out', 'Signed out of Test App.');
      } else {
        res.writeHead(404).end();
      }
    })().catch((error: unknown) => {
      res.statusCode = 500;
      page(res, 'Error', String(error));
    });
  });
  return {
    origin,
    redirectUri,
    callbacks,
    close: () => new Promise<void>((resolve) => {
      httpServer.closeAllConnections();
      httpServer.close(() => resolve());
    }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-oidc-page-'));
  const [, launched] = await Promise.all([buildWeb(join(dir, 'web')), launchBrowser()]);
  browser = launched;
  server = await startServing({ clock: createTestClock(Date.now()), config: { webDir: join(dir, 'web') } });
  rp = await startRelyingParty(new URL(`${server.url}/oidc`));
}, 120_000);

beforeEach(async () => {
  context = await newContext(browser);
  problems = [];
  rp.callbacks.length = 0;
});
afterEach(async () => {
  await context.close();
  expect(problems).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await rp?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A page with the test wallet, its uncaught errors and CSP violations reported to `problems`. */
async function walletPage(key: string = KEY): Promise<{ page: Page; wallet: TestWallet }> {
  const opened = await pageWithWallet(context, key);
  opened.page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  await opened.page.exposeFunction('__reportCspViolation', (text: string) => problems.push(`CSP violation: ${text}`));
  await opened.page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return opened;
}

/** axe-core's browser build (the sign-in page's own test dependency), run in the page past its CSP. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Fails when axe-core finds a WCAG A/AA or best-practice violation on the page as it is now. */
async function expectAccessible(page: Page, state: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    return (await axe.run(document)).violations.map(({ id, nodes }) => ({ id, targets: nodes.map((node) => node.target.map(String).join(' ')) }));
  });
  expect({ state, violations }).toEqual({ state, violations: [] });
}

/** The personal_sign requests the wallet was sent. */
function signRequests(wallet: TestWallet): number {
  return wallet.requests.filter((request) => request.method === 'personal_sign').length;
}

/** Waits for the relying party's page after its callback; returns what it saw. */
async function callbackOf(page: Page): Promise<Callback> {
  await page.waitForURL(`${rp.origin}/callback?**`);
  await page.locator('#result').waitFor();
  return rp.callbacks.at(-1)!;
}

/** Forgets the signed-in address's remembered Allows (an earlier test's), so the consent step shows. */
async function forgetAllows(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const { grants } = (await (await fetch('/api/oidc/grants')).json()) as { grants: Array<{ clientId: string }> };
    for (const { clientId } of grants) await fetch(`/api/oidc/grants/${encodeURIComponent(clientId)}`, { method: 'DELETE' });
  });
}

async function allow(page: Page): Promise<void> {
  await page.getByText('Test App will learn your address').waitFor();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
}

test('the page signs in with the wallet, naming the redirect URI under Resources; Allow; the relying party verifies the ID token; the next sign-in needs no signature and no consent', async () => {
  const { page, wallet } = await walletPage();
  await page.goto(`${rp.origin}/login`);
  await page.getByRole('heading', { name: 'Sign in to Test App' }).waitFor();
  expect(new URL(page.url()).searchParams.get('interaction')).toMatch(/^[\w-]+$/);
  await expect(page.getByTestId('redirect-host').textContent()).resolves.toBe(new URL(rp.origin).host);
  await expect(page.title()).resolves.toBe('Sign in to Test App · wallet-login');
  await expectAccessible(page, 'the login step');

  await chooseWallet(page, 'Test Wallet', 'Create account');
  await page.getByText('Test App will learn your address').waitFor();
  await expectAccessible(page, 'the consent step');
  await expect(page.getByRole('list', { name: 'What Test App gets' }).getByRole('listitem').allTextContents()).resolves.toEqual([
    'Your address, as your account there',
    'Your address as your user name',
  ]);
  await allow(page);
  const address = wallet.addresses[0]!;
  const first = await callbackOf(page);
  expect(first).toMatchObject({ sub: `eip155:${server.config.chainId}:${address}`, preferredUsername: address });
  await expect(page.locator('#result').textContent()).resolves.toBe(`Signed in as eip155:${server.config.chainId}:${address}`);
  expect(wallet.signed).toHaveLength(1);
  expect(wallet.signed[0]!.endsWith(`\nResources:\n- ${rp.redirectUri}`)).toBe(true);

  // Signed in, and allowed: straight back, with no page and no signature.
  await page.goto(`${rp.origin}/login`);
  const second = await callbackOf(page);
  expect(second.sub).toBe(first.sub);
  expect(second.idToken).not.toBe(first.idToken);
  expect(signRequests(wallet)).toBe(1);
});

test('a browser already signed in on wallet-login: single sign-on at the login step, with no signature, then consent', async () => {
  const { page, wallet } = await walletPage();
  await page.goto(server.url);
  await signInWithWallet(page, 'Test Wallet', 'Create account');
  expect(signRequests(wallet)).toBe(1);
  const address = wallet.addresses[0]!;
  await forgetAllows(page);

  await page.goto(`${rp.origin}/login`);
  await page.getByText('Test App will learn your address').waitFor();
  await expect(page.locator(`code[title="${address}"]`).textContent()).resolves.toBe(`${address.slice(0, 6)}…${address.slice(-4)}`);
  await allow(page);
  expect((await callbackOf(page)).sub).toBe(`eip155:${server.config.chainId}:${address}`);
  expect(signRequests(wallet)).toBe(1);
});

test('Deny sends access_denied to the relying party, and nothing is remembered', async () => {
  const { page } = await walletPage();
  await page.goto(server.url);
  await signInWithWallet(page, 'Test Wallet', 'Create account');
  await forgetAllows(page);
  await page.goto(`${rp.origin}/login`);
  await page.getByText('Test App will learn your address').waitFor();
  // By keyboard: Allow, then Deny, in the tab order after the page's heading.
  await page.getByRole('heading', { name: 'Sign in to Test App' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Allow');
  await page.keyboard.press('Tab');
  await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Deny');
  await page.keyboard.press('Enter');
  expect(await callbackOf(page)).toEqual({ error: 'access_denied' });
  // Asked again next time.
  await page.goto(`${rp.origin}/login`);
  await page.getByRole('button', { name: 'Deny', exact: true }).waitFor();
});

test('prompt=login asks a signed-in browser for a fresh signature, then signs in', async () => {
  const { page, wallet } = await walletPage();
  await page.goto(server.url);
  await signInWithWallet(page, 'Test Wallet', 'Create account');
  // The provider dates the request by the wall clock; the session is dated by the server's.
  await forgetAllows(page);
  server.clock.set(Date.now() + 1000);
  await page.goto(`${rp.origin}/login?prompt=login`);
  await page.getByText('Test App asks for a fresh signature, so sign the message once more.').waitFor();
  await chooseWallet(page, 'Test Wallet', 'Create account');
  await allow(page);
  expect((await callbackOf(page)).sub).toBe(`eip155:${server.config.chainId}:${wallet.addresses[0]}`);
  expect(signRequests(wallet)).toBe(2);
  expect(wallet.signed[1]!.endsWith(`\nResources:\n- ${rp.redirectUri}`)).toBe(true);
});

test('a request this browser does not hold is said to be over plainly, with a way back', async () => {
  const { page } = await walletPage();
  await page.goto(`${server.url}/?interaction=no-such-request`);
  await page.getByRole('heading', { name: 'This sign-in request can’t continue' }).waitFor();
  await expect(page.getByRole('link', { name: 'Open the wallet-login page' }).getAttribute('href')).resolves.toBe('/');
  await expect(page.title()).resolves.toBe('Sign-in request ended · wallet-login');
  await expectAccessible(page, 'an unknown request');
});

test("the relying party's end-session signs the browser out of wallet-login", async () => {
  // An address of its own: no Allow remembered from the other tests.
  const { page } = await walletPage(TEST_KEYS.bob);
  await page.goto(`${rp.origin}/login`);
  await chooseWallet(page, 'Test Wallet', 'Create account');
  await allow(page);
  await callbackOf(page);

  await page.goto(`${rp.origin}/logout`);
  await page.getByRole('heading', { name: 'Sign out of wallet-login?' }).waitFor();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(`${rp.origin}/signed-out`);
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Continue with wallet' }).waitFor();
  expect(await page.getByRole('heading', { name: SIGNED_IN_HEADING }).count()).toBe(0);
  expect(await serverSession(page)).toEqual({ status: 401, address: undefined });
});

/** The provider's userinfo answer's status for an access token: 200 while it is live, 401 once revoked. */
async function userinfoStatus(accessToken: string): Promise<number> {
  const discovery = (await (await fetch(`${server.url}/oidc/.well-known/openid-configuration`)).json()) as { userinfo_endpoint: string };
  const response = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } });
  await response.body?.cancel();
  return response.status;
}

/** GET /api/oidc/grants in the page, with its session: the names of the apps listed. */
async function allowedAppNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const { grants } = (await (await fetch('/api/oidc/grants')).json()) as { grants: Array<{ name: string }> };
    return grants.map(({ name }) => name);
  });
}

test('the sessions screen lists an allowed app; Remove forgets the Allow and revokes its tokens, so its next sign-in asks again', async () => {
  // An address of its own: no Allow remembered from the other tests.
  const { page } = await walletPage(TEST_KEYS.carol);
  await page.goto(`${rp.origin}/login`);
  await chooseWallet(page, 'Test Wallet', 'Create account');
  await allow(page);
  const { accessToken } = await callbackOf(page);
  expect(await userinfoStatus(accessToken!)).toBe(200);

  await page.goto(server.url);
  const section = page.getByRole('region', { name: 'Apps you allowed' });
  const app = section.getByTestId('allowed-app');
  await app.waitFor();
  expect(await app.count()).toBe(1);
  await expect(app.locator('.allowed-app-name').textContent()).resolves.toBe('Test App');
  // The consent step's sentences: the remembered scopes (offline_access never is).
  await expect(app.getByRole('list', { name: 'What Test App may learn' }).getByRole('listitem').allTextContents()).resolves.toEqual([
    'Your address, as your account there',
    'Your address as your user name',
  ]);
  // Allowed when the server's clock said (it stands still in this suite).
  await expect(app.locator('time').getAttribute('datetime')).resolves.toBe(new Date(server.clock.now()).toISOString());
  await expect(allowedAppNames(page)).resolves.toEqual(['Test App']);
  await expectAccessible(page, 'the sessions screen with an allowed app');

  await page.getByRole('button', { name: 'Remove Test App', exact: true }).click();
  await app.waitFor({ state: 'detached' });
  await section.getByText('No application can sign you in without asking.').waitFor();
  await expect(section.getByTestId('allowed-apps-status').textContent()).resolves.toBe(
    'Test App is removed. It will ask you again the next time you sign in to it.',
  );
  // The button went with its app: focus goes to the section's heading, not the page's start.
  await page.waitForFunction(() => document.activeElement?.textContent === 'Apps you allowed');
  await expectAccessible(page, 'the sessions screen after the last app was removed');
  await expect(allowedAppNames(page)).resolves.toEqual([]);
  expect(await userinfoStatus(accessToken!)).toBe(401);

  // Signed in still, but no longer allowed: the consent step shows, and nothing reaches the app first.
  const callbacks = rp.callbacks.length;
  await page.goto(`${rp.origin}/login`);
  await page.getByText('Test App will learn your address').waitFor();
  expect(rp.callbacks).toHaveLength(callbacks);
});
