// npm run screenshots: pictures of the sign-in page's states for the README (docs/screenshots),
// taken the way the browser tests drive it: a fresh build, the real API on a pinned clock, the
// test wallet, headless Chromium.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../../api/src/testing';
import { buildWeb, KEYS, launchBrowser, newContext, registerAddress, SIGNED_IN_HEADING, waitForLoaded } from './harness';
import { iconDataUri, installTestWallets, TestWallet } from './testWallet';

const OUT_DIR = join(__dirname, '..', '..', '..', '..', 'docs', 'screenshots');

async function open(browser: Browser, server: TestServer, wallets: TestWallet[], width = 960): Promise<Page> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 760 });
  if (wallets.length > 0) await installTestWallets(page, wallets);
  await page.goto(server.url);
  await waitForLoaded(page);
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  // The progress spinner and the copy confirmation settle first; nothing else moves.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(OUT_DIR, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
  await page.context().close();
  process.stdout.write(`docs/screenshots/${name}.png\n`);
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const [webDir, browser] = await Promise.all([buildWeb(), launchBrowser()]);
  const server = await startTestServer({ registration: 'open', config: { webDir, devKeySignIn: true } });
  const wallet = () => new TestWallet({ keys: [KEYS.alice], name: 'Test Wallet', icon: iconDataUri('#7c3aed') });
  const second = () => new TestWallet({ keys: [KEYS.bob], name: 'Second Wallet', rdns: 'org.example.second', icon: iconDataUri('#0ea5e9') });
  try {
    await registerAddress(server, new TestWallet({ keys: [KEYS.alice] }).address);

    await shoot(await open(browser, server, [wallet()]), 'signed-out');
    await shoot(await open(browser, server, [wallet()], 390), 'signed-out-mobile');

    let page = await open(browser, server, [wallet(), second()]);
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('heading', { name: 'Choose a wallet' }).waitFor();
    await shoot(page, 'wallet-picker');

    page = await open(browser, server, [wallet()]);
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('button', { name: 'Test Wallet' }).click();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await shoot(page, 'signed-in');

    const declining = wallet();
    declining.behaviour.rejectSign = true;
    page = await open(browser, server, [declining]);
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('button', { name: 'Test Wallet' }).click();
    await page.getByRole('alert').waitFor();
    await shoot(page, 'error-rejected');

    page = await open(browser, server, [second()]);
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('button', { name: 'Second Wallet' }).click();
    await page.getByRole('alert').waitFor();
    await shoot(page, 'error-not-registered');

    page = await open(browser, server, []);
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    await page.getByTestId('challenge-message').waitFor();
    await shoot(page, 'paste-mode');

    page = await open(browser, server, []);
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    await page.getByTestId('challenge-message').waitFor();
    server.clock.advance(server.config.challengeTtlMs + 1000);
    await page.getByLabel('Signature').fill(`0x${'11'.repeat(64)}1b`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await shoot(page, 'error-expired');

    page = await open(browser, server, []);
    await page.getByRole('button', { name: 'Use a developer key Developer mode' }).click();
    await shoot(page, 'developer-key');

    page = await open(browser, server, []);
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('alert').waitFor();
    await shoot(page, 'error-no-wallet');
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
