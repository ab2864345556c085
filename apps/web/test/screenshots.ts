// npm run screenshots: pictures of the sign-in page's states for the README (docs/screenshots),
// taken the way the browser tests drive it: a fresh build, the real API on a pinned clock, the
// test wallet, headless Chromium. Each page's clock is the server's, and each browser says it is a
// desktop Chrome on Linux unless told otherwise (the session list names browsers by it).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  buildWeb, iconDataUri, installTestWallets, launchBrowser, newContext, SIGNED_IN_HEADING, signMessage, startTestServer, TEST_KEYS, type TestServer, TestWallet,
  waitForLoaded,
} from '@wallet-login/testkit';
import { newTouchContext, registerAddress } from './harness';

const OUT_DIR = join(__dirname, '..', '..', '..', 'docs', 'screenshots');

const USER_AGENTS = {
  chromeOnLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  firefoxOnWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  safariOnIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
} as const;

const MINUTE = 60_000;

interface ShotOptions {
  /** @default 960 */
  width?: number;
  /** @default desktop Chrome on Linux */
  userAgent?: string;
  /** A phone: a 390 px touch screen. */
  phone?: boolean;
  colorScheme?: 'light' | 'dark';
  /** Fake timers (page.clock.install) from the server's time, to move on by hand. */
  fakeTimers?: boolean;
}

async function open(browser: Browser, server: TestServer, wallets: TestWallet[], options: ShotOptions = {}): Promise<Page> {
  const { width = 960, userAgent = USER_AGENTS.chromeOnLinux, phone = false, colorScheme = 'light', fakeTimers = false } = options;
  const context = phone ? await newTouchContext(browser, userAgent) : await newContext(browser, { userAgent });
  const page = await context.newPage();
  if (fakeTimers) await page.clock.install({ time: server.clock.now() });
  else await page.clock.setFixedTime(server.clock.now());
  await page.setViewportSize({ width: phone ? 390 : width, height: 760 });
  await page.emulateMedia({ colorScheme });
  if (wallets.length > 0) await installTestWallets(page, wallets);
  await page.goto(server.url);
  await waitForLoaded(page);
  return page;
}

/** A page signed in with `wallet`, showing its session list. */
async function signedIn(browser: Browser, server: TestServer, wallet: TestWallet, options: ShotOptions = {}): Promise<Page> {
  const page = await open(browser, server, [wallet], options);
  await page.getByRole('button', { name: 'Continue with wallet' }).click();
  await page.getByRole('button', { name: 'Test Wallet' }).click();
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await page.getByRole('list', { name: 'Your sessions' }).waitFor();
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  // The progress spinner and the copy confirmation settle first; nothing else moves.
  await page.waitForTimeout(300);
  // The whole page, by making the viewport as tall as it: a full-page screenshot would change the
  // device metrics instead, which drops touch emulation and with it the phone layout.
  const width = page.viewportSize()?.width ?? 960;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height: Math.max(760, height) });
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(OUT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
  await page.context().close();
  process.stdout.write(`docs/screenshots/${name}.png\n`);
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const [webDir, browser] = await Promise.all([buildWeb(), launchBrowser()]);
  const server = await startTestServer({ registration: 'open', config: { webDir, devKeySignIn: true } });
  const closed = await startTestServer({ registration: 'closed', config: { webDir } });
  const wallet = () => new TestWallet({ keys: [TEST_KEYS.alice], name: 'Test Wallet', icon: iconDataUri('#7c3aed') });
  const second = () => new TestWallet({ keys: [TEST_KEYS.bob], name: 'Second Wallet', rdns: 'org.example.second', icon: iconDataUri('#0ea5e9') });
  const alice = new TestWallet({ keys: [TEST_KEYS.alice] }).address;
  try {
    await registerAddress(server, alice);

    await shoot(await open(browser, server, [wallet()]), 'signed-out');
    await shoot(await open(browser, server, [wallet()], { phone: true }), 'signed-out-mobile');
    await shoot(await open(browser, server, [wallet()], { colorScheme: 'dark' }), 'signed-out-dark');

    let page = await open(browser, server, [wallet(), second()]);
    await page.getByRole('button', { name: 'Continue with wallet' }).click();
    await page.getByRole('heading', { name: 'Choose a wallet' }).waitFor();
    await shoot(page, 'wallet-picker');

    // A wallet that has not shown its request yet: the wait, its Cancel, and the nudge after 10 s.
    const slow = wallet();
    const held = slow.hold('sign');
    page = await open(browser, server, [slow], { fakeTimers: true });
    await page.getByRole('button', { name: 'Continue with wallet' }).click();
    await page.getByRole('button', { name: 'Test Wallet' }).click();
    await held.asked;
    await page.clock.fastForward(10_000);
    await page.getByText("Don't see it?").waitFor();
    await shoot(page, 'wallet-waiting');
    held.release();

    page = await signedIn(browser, server, wallet());
    await shoot(page, 'signed-in');

    // Two other devices signed in earlier: a phone three hours ago, a laptop 40 minutes ago.
    await server.stores.sessions.destroyAllFor(alice);
    await (await signedIn(browser, server, wallet(), { userAgent: USER_AGENTS.safariOnIos })).context().close();
    server.clock.advance(140 * MINUTE);
    await (await signedIn(browser, server, wallet(), { userAgent: USER_AGENTS.firefoxOnWindows })).context().close();
    server.clock.advance(40 * MINUTE);
    page = await signedIn(browser, server, wallet());
    await page.getByRole('list', { name: 'Your sessions' }).getByRole('listitem').nth(2).waitFor();
    await shoot(page, 'sessions');

    server.clock.advance(5 * MINUTE);
    page = await signedIn(browser, server, wallet(), { userAgent: USER_AGENTS.safariOnIos, phone: true });
    await page.getByRole('list', { name: 'Your sessions' }).getByRole('listitem').nth(3).waitFor();
    await page.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
    await page.getByRole('group').waitFor();
    await shoot(page, 'sign-out-everywhere');
    await server.stores.sessions.destroyAllFor(alice);

    // The server cannot be reached for the sign-out.
    page = await signedIn(browser, server, wallet());
    await page.route('**/api/auth/logout', (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await shoot(page, 'sign-out-failed');
    await server.stores.sessions.destroyAllFor(alice);

    const declining = wallet();
    declining.behaviour.rejectSign = true;
    page = await open(browser, server, [declining]);
    await page.getByRole('button', { name: 'Continue with wallet' }).click();
    await page.getByRole('button', { name: 'Test Wallet' }).click();
    await page.getByRole('alert').waitFor();
    await shoot(page, 'error-rejected');

    // Registration closed: an address without an account is named, and sent to the administrator.
    page = await open(browser, closed, [second()]);
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('button', { name: 'Second Wallet' }).click();
    await page.getByRole('alert').waitFor();
    await shoot(page, 'error-not-registered');

    page = await open(browser, server, []);
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    let message = (await page.getByTestId('challenge-message').textContent()) ?? '';
    await page.getByLabel('Signature').fill(signMessage({ message, privateKey: TEST_KEYS.alice }));
    await page.getByTestId('pasted-signer').waitFor();
    await shoot(page, 'paste-mode');

    page = await open(browser, server, [], { phone: true });
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await page.getByLabel('Address that will sign (optional)').fill(alice);
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    message = (await page.getByTestId('challenge-message').textContent()) ?? '';
    await page.getByLabel('Signature').fill(signMessage({ message: message.replace(/\n/g, '\r\n'), privateKey: TEST_KEYS.alice }));
    await page.getByTestId('signer-line').filter({ hasText: 'CRLF' }).waitFor();
    await shoot(page, 'paste-mode-mobile');

    page = await open(browser, server, []);
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    await page.getByTestId('challenge-message').waitFor();
    server.clock.advance(server.config.challengeTtlMs + 1000);
    await page.getByLabel('Signature').fill(`0x${'11'.repeat(64)}1b`);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'here is a new one' }).waitFor();
    await shoot(page, 'error-expired');

    page = await open(browser, server, []);
    await page.getByRole('button', { name: 'Use a developer key Developer mode' }).click();
    await shoot(page, 'developer-key');

    page = await open(browser, server, []);
    await page.getByRole('heading', { name: 'No wallet in this browser' }).waitFor();
    await shoot(page, 'error-no-wallet');

    page = await open(browser, server, [], { phone: true });
    await page.getByRole('heading', { name: 'No wallet in this browser' }).waitFor();
    await shoot(page, 'no-wallet-mobile');
  } finally {
    await browser.close();
    await Promise.all([server.close(), closed.close()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
