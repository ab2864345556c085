// Signing in with a browser wallet, end to end in headless Chromium: EIP-6963 discovery and the
// window.ethereum fallback, personal_sign, the session across reloads, sign-out, and each answer a
// wallet can give (no, locked, another account, switched account, disconnected, no wallet at all).

import { registerAddress, useE2e } from './harness';
import {
  chooseWallet, iconDataUri, serverSession, shortAddress, SIGNED_IN_HEADING, TEST_KEYS, TestWallet, waitForLoaded,
} from '@wallet-login/testkit';

const e2e = useE2e({ registration: 'open' });

const alice = () => new TestWallet({ keys: [TEST_KEYS.alice] });

test('signs in with an EIP-6963 wallet: personal_sign of an EIP-4361 message, then the checksummed address and expiry', async () => {
  const wallet = alice();
  await registerAddress(e2e.server, wallet.address);
  const page = await e2e.open({ wallets: [wallet] });

  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();

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
  await page.getByRole('button', { name: 'Copy address' }).filter({ hasText: 'Copied' }).waitFor();
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
      if (document.body?.textContent?.includes('Sign in with wallet')) seen.signInButton = true;
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
  await page.getByRole('button', { name: 'Sign in with wallet' }).waitFor();
  await expect(serverSession(page)).resolves.toEqual({ status: 401, address: undefined });
  await page.reload();
  await waitForLoaded(page);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
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
  await page.getByRole('button', { name: 'Sign in with wallet' }).waitFor();
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
  await page.getByRole('button', { name: 'Sign in with wallet' }).waitFor();
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

  await page.getByRole('button', { name: 'Sign in with wallet' }).click();
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

test('without a wallet it says so and offers the other way (developer mode is off here)', async () => {
  const page = await e2e.open();

  await page.getByRole('button', { name: 'Sign in with wallet' }).click();

  await expect(page.getByRole('alert').textContent()).resolves.toBe(
    'No wallet found in this browser. Install a wallet extension, or use one of the other ways to sign in below.',
  );
  const others = page.getByRole('navigation', { name: 'Other ways to sign in' }).getByRole('button');
  await expect(others.allTextContents()).resolves.toEqual(['Paste a signature']);
  await others.click();
  await page.getByRole('heading', { name: 'Paste a signature' }).waitFor();
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
  await expect(focused()).resolves.toBe('Sign in with wallet');
  await page.keyboard.press('Enter');
  await expect(focused()).resolves.toBe('Choose a wallet');
  await page.keyboard.press('Escape');
  await expect(focused()).resolves.toBe('Sign in with wallet');

  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(focused()).resolves.toBe('Test Wallet');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(focused()).resolves.toBe(SIGNED_IN_HEADING);
});
