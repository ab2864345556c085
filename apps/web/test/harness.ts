// Browser tests' setup: the page built fresh from source (the test kit's buildWeb), the real API
// serving it on 127.0.0.1 over a temporary SQLite file with a pinned clock, and Debian's headless
// Chromium driven by playwright-core (nothing downloads a browser). One browser per test file, a
// new context (fresh cookies and storage) per test. Every page must run without uncaught errors,
// within the server's Content-Security-Policy, and with no axe-core violation: in each state a
// test checks (expectAccessible) and in the state it ends in.

import { readFileSync, rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  buildWeb, installTestWallets, launchBrowser, newContext, startTestServer, waitForLoaded, type TestServer, type TestServerOptions, type TestWallet,
} from '@wallet-login/testkit';

export interface E2eOptions {
  /** @default 'open' */
  registration?: 'open' | 'closed';
  /** DEV_KEY_SIGNIN. @default false */
  devKeySignIn?: boolean;
  /** More of the app's dependencies, e.g. `contractWallets` for smart wallets. @default none */
  deps?: TestServerOptions['deps'];
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
  /**
   * Fake timers from `time` on (page.clock.install): time then moves only as the test says
   * (page.clock.fastForward), timers included. @default false
   */
  fakeTimers?: boolean;
  /** @default 960×820 */
  viewport?: { width: number; height: number };
  /** A touch screen (a coarse pointer, as on a phone). @default false */
  touch?: boolean;
  /** prefers-color-scheme. @default 'light' */
  colorScheme?: 'light' | 'dark';
}

/** axe-core's browser build, evaluated in the page through the DevTools protocol (so the page's CSP does not apply to it). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  help: string;
  targets: string[];
}

/** The axe-core violations (WCAG 2.x A and AA, and best practice) of the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.map(({ id, help, nodes }) => ({ id, help, targets: nodes.map((node) => node.target.map(String).join(' ')) }));
  });
}

/** Fails the test when axe-core finds anything on the page as it is now; `state` names it in the failure. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const violations = await axeViolations(page);
  expect({ state, violations }).toEqual({ state, violations: [] });
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
      ...(serverOptions.deps ? { deps: serverOptions.deps } : {}),
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

  // Every page must run without uncaught errors, within the server's Content-Security-Policy, and
  // end in a state axe-core finds nothing in.
  let problems: string[] = [];
  afterEach(async () => {
    const pages = contexts.flatMap((context) => context.pages()).filter((page) => !page.isClosed() && page.url().startsWith('http'));
    const found = await Promise.all(pages.map(async (page) => ({ url: page.url(), violations: await axeViolations(page).catch(() => []) })));
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
    const seen = problems;
    problems = [];
    expect(seen).toEqual([]);
    expect(found.filter(({ violations }) => violations.length > 0)).toEqual([]);
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
    async open({ wallets = [], server, userAgent, time, fakeTimers = false, viewport, touch = false, colorScheme } = {}) {
      const context = touch ? await newTouchContext(running(browser), userAgent) : await newContext(running(browser), { userAgent });
      contexts.push(context);
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      if (colorScheme) await page.emulateMedia({ colorScheme });
      if (fakeTimers) await page.clock.install(time === undefined ? {} : { time });
      else if (time !== undefined) await page.clock.setFixedTime(time);
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

/**
 * The test kit's context (newContext) with a touch screen: touch is fixed when a context is made,
 * so this one is made here with the same settings.
 */
export async function newTouchContext(browser: Browser, userAgent: string | undefined): Promise<BrowserContext> {
  const context = await browser.newContext({
    ...(userAgent !== undefined ? { userAgent } : {}),
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 375, height: 740 },
    hasTouch: true,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(10_000);
  return context;
}

/** Adds `address` to the server's registry, as the admin CLI does. */
export async function registerAddress(server: TestServer, address: string): Promise<void> {
  await server.stores.users.add(address, server.clock.now());
}
