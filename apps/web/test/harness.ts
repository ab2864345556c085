// Browser tests' setup: the page built fresh from source (the test kit's buildWeb), the real API
// serving it on 127.0.0.1 over a temporary SQLite file with a pinned clock, and Debian's headless
// Chromium driven by playwright-core (nothing downloads a browser). One browser per test file, a
// new context (fresh cookies and storage) per test.

import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  buildWeb, installTestWallets, launchBrowser, newContext, startTestServer, waitForLoaded, type TestServer, type TestWallet,
} from '@wallet-login/testkit';

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

/** Adds `address` to the server's registry, as the admin CLI does. */
export async function registerAddress(server: TestServer, address: string): Promise<void> {
  await server.stores.users.add(address, server.clock.now());
}
