// Signing in with a browser wallet, end to end in headless Chromium: EIP-6963 discovery and the
// window.ethereum fallback, personal_sign, the session across reloads, sign-out, each answer a
// wallet can give (no, locked, another account, switched account, disconnected, no wallet at all,
// on a desktop and on a phone), and a wallet that takes its time: a nudge to open it, and a Cancel
// after which its late answer changes nothing.

import type { Page } from 'playwright-core';
import { expectAccessible, registerAddress, useE2e } from './harness';
import {
  chooseWallet, iconDataUri, serverSession, shortAddress, SIGNED_IN_HEADING, TEST_KEYS, TestWallet, waitForLoaded,
} from '@wallet-login/testkit';

const e2e = useE2e({ registration: 'open' });

const alice = () => new TestWallet({ keys: [TEST_KEYS.alice] });

/** Counts the page's sign-in requests (login, register): a cancelled attempt must make none. */
function countSignIns(page: Page): { readonly count: number } {
  const counter = { count: 0 };
  page.on('request', (request) => {
    if (/\/api\/auth\/(login|register)$/.test(request.url())) counter.count += 1;
  });
  return counter;
}

/** Resolves once `check()` holds (within 5 s). */
async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check(); tries += 1) {
    if (tries === 250) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim());

test('signs in with an EIP-6963 wallet: personal_sign of an EIP-4361 message, then the checksummed address and expiry', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  await expect(page.title()).resolves.toBe('Sign in · wallet-login');

  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  // The tab says the state too.
  await expect(page.title()).resolves.toBe('Signed in · wallet-login');

  const host = new URL(e2e.server.url).host;
  expect(wallet.signed).toHaveLength(1);
  expect(wallet.signed[0]).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')} wants you to sign in with your Ethereum account:\n${wallet.address}\n`));
  expect(wallet.requests.map((request) => request.method)).toEqual(['eth_requestAccounts', 'eth_accounts', 'personal_sign']);
  await expect(page.getByTestId('address').textContent()).resolves.toBe(shortAddress(wallet.address));
  // The session lasts SESSION_IDLE_SECONDS (a day) from sign-in on the server's pinned clock.
  const expires = new Date(e2e.server.clock.now() + e2e.server.config.sessionIdleMs).toISOString();
  await expect(page.getByTestId('expires').getAttribute('datetime')).resolves.toBe(expires);
  await expect(page.getByTestId('expires').textContent()).resolves.toMatch(/^Jan 2, 2026/);
  await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });

  await page.getByRole('button', { name: 'Copy address' }).click();
  await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
  await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(wallet.address);
});

test('the session cookie is HttpOnly: the page cannot read it', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();

  const cookies = await page.context().cookies();
  const session = cookies.find((cookie) => cookie.name === 'wl.sid');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  const visible = await page.evaluate(() => document.cookie);
  expect(visible).not.toContain('wl.sid');
  expect(visible).not.toContain(session?.value);
});

test('a reload keeps the session and never flashes the signed-out state', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();

  // From the next load on, record whether the sign-in button is ever on screen.
  await page.addInitScript(() => {
    const seen = { signInButton: false };
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    new MutationObserver(() => {
      if (document.body?.textContent?.includes('Continue with wallet')) seen.signInButton = true;
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  await page.reload();
  await waitForLoaded(page);

  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(page.getByTestId('address').textContent()).resolves.toBe(shortAddress(wallet.address));
  await expect(page.evaluate(() => (window as unknown as { __seen: { signInButton: boolean } }).__seen)).resolves.toEqual({ signInButton: false });
  expect(wallet.signed).toHaveLength(1);
});

test('signing out ends the session on the server, and a reload stays signed out', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();

  await page.getByText('You signed out.').waitFor();
  await page.getByRole('button', { name: 'Continue with wallet' }).waitFor();
  await expect(serverSession(page)).resolves.toEqual({ status: 401, address: undefined });
  await page.reload();
  await waitForLoaded(page);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in or create an account');
});

test('declining in the wallet (4001) shows a calm message and the button again; trying again works', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  const alert = page.getByRole('alert');

  wallet.behaviour.rejectConnect = true;
  await chooseWallet(page, 'Test Wallet');
  await expect(alert.textContent()).resolves.toBe('You cancelled in your wallet, so nothing was signed. Try again whenever you are ready.');

  wallet.behaviour = { ...wallet.behaviour, rejectConnect: false, rejectSign: true };
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('alert').filter({ hasText: 'You cancelled in your wallet' }).waitFor();
  expect(wallet.requests.filter((request) => request.method === 'personal_sign')).toHaveLength(1);
  expect(wallet.signed).toHaveLength(0);
  await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });

  wallet.behaviour.rejectSign = false;
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
});

test('a locked wallet is asked to unlock', async () => {
  const wallet = alice();
  wallet.behaviour.locked = true;
  const page = await e2e.open({ wallets: [wallet] });

  await chooseWallet(page, 'Test Wallet');

  await expect(page.getByRole('alert').textContent()).resolves.toBe('Your wallet is locked or has not shared an account — unlock it, then try again.');
  await page.getByRole('button', { name: 'Continue with wallet' }).waitFor();
});

test('a wallet that signs with another account than it connected is told so, and no session opens', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  wallet.behaviour.signWith = TEST_KEYS.bob;
  const page = await e2e.open({ wallets: [wallet] });

  await chooseWallet(page, 'Test Wallet');

  await expect(page.getByRole('alert').textContent()).resolves.toBe(
    'Your wallet signed with a different account than the one it connected — switch back to it and try again.',
  );
  await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
});

test('switching to another account in the wallet signs out on the server too', async () => {
  const wallet = new TestWallet({ keys: [TEST_KEYS.alice, TEST_KEYS.bob] });
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();

  await wallet.switchAccount(1);

  await page.getByText('Your wallet switched to another account, so you were signed out here too.').waitFor();
  await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
  await page.getByRole('button', { name: 'Continue with wallet' }).waitFor();
});

test('after a reload the wallet is still watched: disconnecting it signs out', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await page.reload();
  await waitForLoaded(page);
  await page.getByText('Test Wallet').waitFor();

  await wallet.disconnect();

  await page.getByText('Your wallet disconnected, so you were signed out here too.').waitFor();
  await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
});

test('lists every announced wallet with its name and icon, and signs with the one chosen', async () => {
  const first = alice();
  const second = new TestWallet({ keys: [TEST_KEYS.bob], name: 'Second Wallet', rdns: 'org.example.second', icon: iconDataUri('#0ea5e9') });
  await registerAddress(e2e.server, second.address);
  const page = await e2e.open({ wallets: [first, second] });

  await page.getByRole('button', { name: 'Continue with wallet' }).click();
  const options = page.getByRole('list', { name: 'Wallets in this browser' }).getByRole('button');
  await expect(options.allTextContents()).resolves.toEqual(['Test Wallet', 'Second Wallet']);
  await expect(options.locator('img').evaluateAll((images) => images.map((image) => (image as HTMLImageElement).src))).resolves.toEqual([
    first.icon,
    second.icon,
  ]);
  await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Choose a wallet');

  await page.getByRole('button', { name: 'Second Wallet' }).click();
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(serverSession(page)).resolves.toEqual({ status: 200, address: second.address });
  expect(first.requests).toEqual([]);
});

test('falls back to window.ethereum when no wallet announces itself', async () => {
  const wallet = new TestWallet({ keys: [TEST_KEYS.alice], announce: false });
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });

  await chooseWallet(page, 'Browser wallet');

  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
});

test('without a wallet it says so on load, before any click, and offers the other way (developer mode is off here)', async () => {
  const page = await e2e.open();

  const panel = page.getByTestId('no-wallet');
  await panel.getByRole('heading', { name: 'No wallet in this browser' }).waitFor();
  await expect(page.getByRole('button', { name: 'Continue with wallet' }).count()).resolves.toBe(0);
  // A desktop browser: install an extension, or look again.
  await expect(panel.textContent()).resolves.toContain('Install a wallet extension');
  await expect(panel.getByRole('link').count()).resolves.toBe(0);
  const others = page.getByRole('navigation', { name: 'Other ways to sign in' }).getByRole('button');
  await expect(others.allTextContents()).resolves.toEqual(['Paste a signature']);
  await others.click();
  await page.getByRole('heading', { name: 'Paste a signature' }).waitFor();
});

test('a wallet that turns up after load (installed, unlocked) is found by "Look again"', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open();
  await page.getByRole('heading', { name: 'No wallet in this browser' }).waitFor();

  // Installed now: the next load of the script announces it only when asked.
  await page.evaluate(() => {
    const provider = { request: async () => [] };
    window.addEventListener('eip6963:requestProvider', () => {
      const info = { uuid: '00000000-0000-4000-8000-0000000000aa', name: 'Late Wallet', icon: '', rdns: 'org.example.late' };
      window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: { info, provider } }));
    });
  });
  await page.getByRole('button', { name: 'Look again' }).click();

  await page.getByRole('button', { name: 'Continue with wallet' }).waitFor();
  await expect(page.getByTestId('no-wallet').count()).resolves.toBe(0);
});

test('on a phone without a wallet it offers to open the page in a wallet app, not to install an extension', async () => {
  const page = await e2e.open({ touch: true });

  const panel = page.getByTestId('no-wallet');
  await panel.getByRole('heading', { name: 'No wallet in this browser' }).waitFor();
  await expect(panel.textContent()).resolves.not.toContain('extension');
  const here = new URL(e2e.server.url);
  const links = panel.getByRole('list', { name: 'Open in a wallet app' }).getByRole('link');
  await expect(links.allTextContents()).resolves.toEqual(['Open in MetaMask', 'Open in Coinbase Wallet', 'Open in Trust Wallet']);
  await expect(links.evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')))).resolves.toEqual([
    `https://metamask.app.link/dapp/${here.host}/`,
    `https://go.cb-w.com/dapp?cb_url=${encodeURIComponent(`${here.origin}/`)}`,
    `https://link.trustwallet.com/open_url?coin_id=60&url=${encodeURIComponent(`${here.origin}/`)}`,
  ]);
  await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(375);
});

test('a challenge that expires while the wallet waits is reported in words', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  // The person takes longer than CHALLENGE_TTL_SECONDS to confirm.
  wallet.behaviour.beforeSign = () => e2e.server.clock.advance(e2e.server.config.challengeTtlMs + 1000);
  const page = await e2e.open({ wallets: [wallet] });

  await chooseWallet(page, 'Test Wallet');

  await expect(page.getByRole('alert').textContent()).resolves.toBe('The sign-in request expired — try again.');
  await expect(page.locator('body').textContent()).resolves.not.toMatch(/[{}]|challenge_expired/);
});

test('works from the keyboard alone, with focus following each step', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });
  const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());

  await page.keyboard.press('Tab');
  await expect(focused()).resolves.toBe('Continue with wallet');
  await page.keyboard.press('Enter');
  await expect(focused()).resolves.toBe('Choose a wallet');
  await page.keyboard.press('Escape');
  await expect(focused()).resolves.toBe('Continue with wallet');

  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(focused()).resolves.toBe('Test Wallet');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(focused()).resolves.toBe(SIGNED_IN_HEADING);
});

describe('a wallet that takes its time', () => {
  /** Alice, registered, has chosen her wallet, which holds the signature request. */
  async function chooseHeldWallet() {
    const wallet = alice();
    await registerAddress(e2e.server, wallet.address);
    const page = await e2e.open({ wallets: [wallet] });
    const signIns = countSignIns(page);
    const held = wallet.hold('sign');
    await chooseWallet(page, 'Test Wallet');
    await held.asked;
    return { wallet, page, signIns, held };
  }

  /** The wallet signs after all, once the page has moved on: nobody is signed in, here or on the server. */
  async function expectLateSignatureIgnored({ wallet, page, signIns, held }: Awaited<ReturnType<typeof chooseHeldWallet>>): Promise<void> {
    held.release();
    await until(() => wallet.signed.length === 1);
    await page.waitForTimeout(500);
    expect(signIns.count).toBe(0);
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
  }

  test('the wait gets its heading focused, then after 10 s a nudge to open the wallet', async () => {
    const wallet = alice();
    await registerAddress(e2e.server, wallet.address);
    const page = await e2e.open({ wallets: [wallet], time: e2e.server.clock.now(), fakeTimers: true });
    const held = wallet.hold('sign');

    await chooseWallet(page, 'Test Wallet');
    await held.asked;
    await expect(page.evaluate(() => `${document.activeElement?.tagName}:${document.activeElement?.textContent}`)).resolves.toBe('H2:Test Wallet');
    await page.getByRole('status').filter({ hasText: 'Confirm the message in Test Wallet' }).waitFor();
    await expect(page.getByText("Don't see it?").count()).resolves.toBe(0);
    await expectAccessible(page, 'waiting on the wallet');

    await page.clock.fastForward(10_000);
    await page.getByRole('status').filter({ hasText: "Don't see it? Open your wallet (Test Wallet)" }).waitFor();
    await expectAccessible(page, 'waiting on the wallet, nudged');

    held.release();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  });

  test('Cancel ends the wait at once, and the wallet signing later signs nobody in', async () => {
    const attempt = await chooseHeldWallet();
    const { page, signIns } = attempt;
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('status').filter({ hasText: 'Cancelled: nothing was signed in. If Test Wallet still shows the request' }).waitFor();
    await expect(focusedText(page)).resolves.toBe('Continue with wallet');
    await expectAccessible(page, 'cancelled');
    // The person confirms in the wallet after all: the page ignores the answer.
    await expectLateSignatureIgnored(attempt);
    await expect(page.getByRole('heading', { name: SIGNED_IN_HEADING }).count()).resolves.toBe(0);

    // A new attempt works as usual.
    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    expect(signIns.count).toBe(1);
  });

  test('Escape cancels while the wallet has not even shared an account yet', async () => {
    const wallet = alice();
    const page = await e2e.open({ wallets: [wallet] });
    const held = wallet.hold('connect');

    await chooseWallet(page, 'Test Wallet');
    await held.asked;
    await page.getByRole('status').filter({ hasText: 'Waiting for Test Wallet to share an account…' }).waitFor();
    await page.keyboard.press('Escape');

    await page.getByRole('status').filter({ hasText: 'Cancelled' }).waitFor();
    held.release();
    await page.waitForTimeout(500);
    // Connected late, but nothing follows: no challenge, no signature request.
    expect(wallet.requests.map((request) => request.method)).toEqual(['eth_requestAccounts']);
    await expect(page.getByRole('button', { name: 'Continue with wallet' }).isVisible()).resolves.toBe(true);
  });

  test('switching to "Paste a signature" while the wallet is open abandons the attempt: its answer 20 s later signs nobody in', async () => {
    const attempt = await chooseHeldWallet();
    const { page } = attempt;
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Paste a signature');

    await expectLateSignatureIgnored(attempt);
    await expect(page.getByRole('heading', { name: 'Paste a signature' }).isVisible()).resolves.toBe(true);
  });
});
