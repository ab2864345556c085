// Test helper: Debian's headless Chromium through playwright-core, the sign-in page built from
// source, and the page's test wallet (apps/web/src/e2e/testWallet.ts: an EIP-1193/EIP-6963
// provider answered in node by a test key). The wallet module is loaded with require() and typed
// here: an import would pull the page's sources into this project's build.

import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const WEB_ROOT = join(__dirname, '..', '..', '..', 'web');
const VITE = join(WEB_ROOT, '..', '..', 'node_modules', 'vite', 'bin', 'vite.js');

/** Launches headless Chromium; `args` add to the usual flags (e.g. --host-resolver-rules). */
export function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
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

/**
 * A context for a self-signed test certificate: the browser is told to accept it. `bypassCSP`
 * lets a test's own script in a page make requests the page's policy would stop.
 */
export async function newTlsContext(browser: Browser, { bypassCSP = false } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP, locale: 'en-US', timezoneId: 'UTC' });
  context.setDefaultTimeout(15_000);
  return context;
}

/** Builds the sign-in page (vite build) into `outDir`, readable by everyone (nginx's workers). */
export async function buildWeb(outDir: string): Promise<void> {
  // A production build whatever NODE_ENV says (Jest sets 'test').
  await promisify(execFile)(process.execPath, [VITE, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: WEB_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
  });
  const open = (path: string): void => {
    chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) open(join(path, name));
  };
  open(outDir);
}

/** The part of the page's test wallet these tests use. */
export interface TestWallet {
  readonly name: string;
  readonly addresses: readonly string[];
  /** The text of every message signed. */
  readonly signed: string[];
}

interface TestWalletModule {
  TestWallet: new (options: { keys: string[]; name?: string }) => TestWallet;
  installTestWallets(page: Page, wallets: TestWallet[]): Promise<void>;
}

const walletModule = (): TestWalletModule => require('../../../web/src/e2e/testWallet') as TestWalletModule;

/** A page in `context` with a test wallet holding `key`, before any navigation. */
export async function pageWithWallet(context: BrowserContext, key: string, name = 'Test Wallet'): Promise<{ page: Page; wallet: TestWallet }> {
  const { TestWallet, installTestWallets } = walletModule();
  const wallet = new TestWallet({ keys: [key], name });
  const page = await context.newPage();
  await installTestWallets(page, [wallet]);
  return { page, wallet };
}

export const SIGNED_IN_HEADING = 'You’re signed in';

/** On a loaded sign-in page: create the account or sign in with the named wallet, and wait until signed in. */
export async function signInWithWallet(page: Page, walletName: string, verb: 'Sign in' | 'Create account' = 'Sign in'): Promise<void> {
  await page.locator('main[aria-busy="false"]').waitFor();
  if (verb === 'Create account') await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByRole('button', { name: `${verb} with wallet` }).click();
  await page.getByRole('button', { name: walletName, exact: true }).click();
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
}

/** The session as the server sees it, asked from inside the page (with its cookie). */
export function pageSession(page: Page): Promise<{ status: number; address?: string }> {
  return page.evaluate(async () => {
    const response = await fetch('/api/auth/me');
    const body = (await response.json()) as { address?: string };
    return { status: response.status, address: body.address };
  });
}
