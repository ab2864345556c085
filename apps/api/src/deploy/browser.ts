// Test helper: Debian's headless Chromium through playwright-core, the sign-in page built from
// source, and the page's test wallet (apps/web/src/e2e/testWallet.ts: an EIP-1193/EIP-6963
// provider answered in node by a test key), all from the page's own browser-test harness. Its
// modules are loaded with require() and typed here: an import would pull the page's sources into
// this project's build.

import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** The page's own browser-test harness (apps/web/src/e2e/harness.ts), the part used here. */
interface WebHarness {
  launchBrowser(args?: string[]): Promise<Browser>;
  buildWeb(outDir?: string): Promise<string>;
}
const webHarness = (): WebHarness => require('../../../web/src/e2e/harness') as WebHarness;

/** Launches headless Chromium; `args` add to the usual flags (e.g. --host-resolver-rules). */
export function launchChromium(args: string[] = []): Promise<Browser> {
  return webHarness().launchBrowser(args);
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
  await webHarness().buildWeb(outDir);
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
