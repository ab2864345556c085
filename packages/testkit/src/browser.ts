// The browser side of end-to-end tests: the sign-in page built fresh from source into a temporary
// directory, and Debian's headless Chromium driven by playwright-core (nothing downloads a
// browser), with the flags this machine needs.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The sign-in page's workspace, and Vite from the root install. */
const WEB_ROOT = dirname(require.resolve('@wallet-login/web/package.json'));
const VITE_BIN = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');

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
