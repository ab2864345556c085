// The deployment tests' browser: the test kit's Chromium and test wallet, with what a deployment
// needs on top: a context that accepts the test certificate, and a page build nginx's workers can
// read.

import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb as buildWebInto, installTestWallets, TestWallet } from '@wallet-login/testkit';

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
  await buildWebInto(outDir);
  const open = (path: string): void => {
    chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) open(join(path, name));
  };
  open(outDir);
}

/** A page in `context` with a test wallet holding `key`, before any navigation. */
export async function pageWithWallet(context: BrowserContext, key: string, name = 'Test Wallet'): Promise<{ page: Page; wallet: TestWallet }> {
  const wallet = new TestWallet({ keys: [key], name });
  const page = await context.newPage();
  await installTestWallets(page, [wallet]);
  return { page, wallet };
}
