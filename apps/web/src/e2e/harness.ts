// Browser tests' setup: the page built fresh from source into a temporary directory, the real API
// serving it on 127.0.0.1 over a temporary SQLite file with a pinned clock, and Debian's headless
// Chromium driven by playwright-core (nothing downloads a browser). One browser per test file, a
// new context (fresh cookies and storage) per test.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../../api/src/testing';
import { installTestWallets, type TestWallet } from './testWallet';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const WEB_ROOT = join(__dirname, '..', '..');
const VITE_BIN = join(WEB_ROOT, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js');

/** Test keys, never real ones (the first is web3.js's documentation example key). */
export const KEYS = {
  alice: '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  bob: `0x${'42'.repeat(32)}`,
  carol: `0x${'7a'.repeat(32)}`,
} as const;

/**
 * Builds the page from source (vite build) into `outDir`, by default a new temporary directory,
 * and returns the directory.
 */
export async function buildWeb(outDir = mkdtempSync(join(tmpdir(), 'wallet-login-web-'))): Promise<string> {
  // A production build whatever the caller's NODE_ENV (Jest sets it to 'test', which would
  // otherwise give React's development build).
  await promisify(execFile)(process.execPath, [VITE_BIN, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: WEB_ROOT,
    env: { NODE_ENV: 'production' },
  });
  return outDir;
}

/** Launches Debian's headless Chromium; `args` add to the usual flags (e.g. --host-resolver-rules). */
export function launchBrowser(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}

/** A fresh browser context: its own cookies and storage, a fixed locale and time zone. */
export async function newContext(browser: Browser, { userAgent }: { userAgent?: string } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    ...(userAgent !== undefined ? { userAgent } : {}),
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 960, height: 820 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(10_000);
  return context;
}

export interface E2eOptions {
  /** @default 'open' */
  registration?: 'open' | 'closed';
  /** DEV_KEY_SIGNIN. @default false */
  devKeySignIn?: boolean;
}

export interface OpenOptions {
  /** Wallets in the browser; none means a browser without a wallet. */
  wallets?: TestWallet[];
  /** @default the file's first server */
  server?: TestServer;
  /** The browser's User-Agent (what the session list names it by). @default Chromium's own */
  userAgent?: string;
  /** Pins the page's clock (Date.now) to this time, e.g. the server's pinned clock. @default the real time */
  time?: number;
}

export interface E2e {
  /** The server started with the options given to useE2e. */
  readonly server: TestServer;
  readonly browser: Browser;
  /** Another server on the same build (other settings); closed after all tests. */
  startServer(options: E2eOptions): Promise<TestServer>;
  /** A new context and page with `wallets` installed, showing the sign-in page once it has loaded. */
  open(options?: OpenOptions): Promise<Page>;
}

/** The build, server and browser for one test file (beforeAll/afterAll); contexts close after each test. */
export function useE2e(options: E2eOptions = {}): E2e {
  let webDir: string | undefined;
  let browser: Browser | undefined;
  const servers: TestServer[] = [];
  let contexts: BrowserContext[] = [];

  const running = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser and server start in beforeAll; use them inside tests');
    return value;
  };

  const startServer = async (serverOptions: E2eOptions): Promise<TestServer> => {
    const server = await startTestServer({
      registration: serverOptions.registration ?? 'open',
      config: { webDir: running(webDir), devKeySignIn: serverOptions.devKeySignIn ?? false },
    });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    const [dir, launched] = await Promise.all([buildWeb(), launchBrowser()]);
    webDir = dir;
    browser = launched;
    await startServer(options);
  }, 120_000);

  // Every page must run without uncaught errors and within the server's Content-Security-Policy.
  let problems: string[] = [];
  afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
    const seen = problems;
    problems = [];
    expect(seen).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  return {
    get server() {
      return running(servers[0]);
    },
    get browser() {
      return running(browser);
    },
    startServer,
    async open({ wallets = [], server, userAgent, time } = {}) {
      const context = await newContext(running(browser), { userAgent });
      contexts.push(context);
      const page = await context.newPage();
      if (time !== undefined) await page.clock.setFixedTime(time);
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
      await page.exposeFunction('__reportCspViolation', (text: string) => problems.push(`CSP violation: ${text}`));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          const report = (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation;
          report(`${event.violatedDirective} ${event.blockedURI}`);
        });
      });
      if (wallets.length > 0) await installTestWallets(page, wallets);
      await page.goto((server ?? running(servers[0])).url);
      await waitForLoaded(page);
      return page;
    },
  };
}

/** Waits until the page has asked the server who is signed in and drawn the answer. */
export async function waitForLoaded(page: Page): Promise<void> {
  await page.locator('main[aria-busy="false"]').waitFor();
}

/** The session as the server sees it, asked from inside the page (with its cookie). */
export async function serverSession(page: Page): Promise<{ status: number; address?: string }> {
  return page.evaluate(async () => {
    const response = await fetch('/api/auth/me');
    const body = (await response.json()) as { address?: string };
    return { status: response.status, address: body.address };
  });
}

/** Adds `address` to the server's registry, as the admin CLI does. */
export async function registerAddress(server: TestServer, address: string): Promise<void> {
  await server.stores.users.add(address, server.clock.now());
}

/** Clicks "Sign in with wallet" (or "Create account with wallet"), then the named wallet. */
export async function chooseWallet(page: Page, walletName: string, verb: 'Sign in' | 'Create account' = 'Sign in'): Promise<void> {
  await page.getByRole('button', { name: `${verb} with wallet` }).click();
  await page.getByRole('button', { name: walletName, exact: true }).click();
}

export const SIGNED_IN_HEADING = 'You’re signed in';

/** The short form the page shows: 0x2c75…5c23. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
