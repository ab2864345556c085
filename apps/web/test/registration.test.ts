// Signing in and creating an account from the sign-in page, end to end in headless Chromium. With
// registration open there is one way in, "Continue with wallet", that signs an address in or
// creates its account from one signature (POST /api/auth/register); with it closed (only an
// administrator adds addresses) the page signs in only, and an address without an account is named
// and told to ask the administrator, whichever way it signed.

import type { Page } from 'playwright-core';
import {
  chooseWallet, privateKeyToAddress, serverSession, signMessage, SIGNED_IN_HEADING, TEST_KEYS, type TestServer, TestWallet,
} from '@wallet-login/testkit';
import { expectAccessible, registerAddress, useE2e } from './harness';

const e2e = useE2e({ registration: 'closed' });

/** The account requests the page made: which endpoint, and the answer's status. */
function recordSignIns(page: Page): Array<{ path: string; status: number }> {
  const seen: Array<{ path: string; status: number }> = [];
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (pathname === '/api/auth/login' || pathname === '/api/auth/register') seen.push({ path: pathname, status: response.status() });
  });
  return seen;
}

describe('registration closed', () => {
  let devKeys: TestServer;
  beforeAll(async () => {
    devKeys = await e2e.startServer({ registration: 'closed', devKeySignIn: true });
  });

  test('signs in only; an unregistered address is named and told to ask the administrator, and signs in once added', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.alice] });
    const page = await e2e.open({ wallets: [wallet] });
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in');
    await expect(page.getByRole('button', { name: /create|continue/i }).count()).resolves.toBe(0);
    const signIns = recordSignIns(page);

    const held = wallet.hold('sign');
    await chooseWallet(page, 'Test Wallet');
    await held.asked;
    await page.getByRole('status').filter({ hasText: 'Confirm the sign-in message in Test Wallet…' }).waitFor();
    held.release();

    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toBe(
      `The address ${wallet.address} doesn't have an account here.Ask the administrator of this site to add your address.`,
    );
    await expect(alert.getByRole('button').count()).resolves.toBe(0);
    await expectAccessible(page, 'registration closed: an unregistered address');
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
    expect(signIns).toEqual([{ path: '/api/auth/login', status: 403 }]);

    await registerAddress(e2e.server, wallet.address);
    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
  });

  test('a pasted signature by an address without an account names that address, before and after it is sent', async () => {
    const carol = privateKeyToAddress(TEST_KEYS.carol);
    const page = await e2e.open();
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    const message = (await page.getByTestId('challenge-message').textContent()) ?? '';

    await page.getByLabel('Signature').fill(signMessage({ message, privateKey: TEST_KEYS.carol }));
    await expect(page.getByTestId('pasted-signer').textContent()).resolves.toBe(carol);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    const alert = page.getByRole('alert');
    await alert.filter({ hasText: carol }).waitFor();
    await expect(alert.textContent()).resolves.toContain(`The address ${carol} doesn't have an account here.Ask the administrator of this site to add your address.`);
    // The message was used up: a new one is already there, and the page says so.
    await expect(alert.textContent()).resolves.toContain("That message can't be used again, so here is a new one");
    await expect(page.getByTestId('challenge-message').textContent()).resolves.not.toBe(message);
  });

  test('a developer key without an account is named too', async () => {
    const carol = privateKeyToAddress(TEST_KEYS.carol);
    const page = await e2e.open({ server: devKeys });
    await page.getByRole('button', { name: 'Use a developer key Developer mode' }).click();
    await page.getByLabel('Test private key').fill(TEST_KEYS.carol);
    await page.getByRole('button', { name: 'Sign in with key' }).click();

    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      `The address ${carol} doesn't have an account here.Ask the administrator of this site to add your address.`,
    );
    await expect(devKeys.stores.users.has(carol)).resolves.toBe(false);
  });
});

describe('registration open', () => {
  let open: TestServer;
  beforeAll(async () => {
    open = await e2e.startServer({ registration: 'open' });
  });

  test('a new person signs once: "Continue with wallet" creates the account and signs in; next time it just signs in', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.bob] });
    const page = await e2e.open({ wallets: [wallet], server: open });
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in or create an account');
    await expect(page.getByRole('button', { name: /^sign in with wallet$|create an account/i }).count()).resolves.toBe(0);
    const signIns = recordSignIns(page);

    const held = wallet.hold('sign');
    await chooseWallet(page, 'Test Wallet', 'Create account');
    await held.asked;
    // The wallet prompt says what the one signature does.
    await page.getByRole('status').filter({ hasText: 'Confirm the message in Test Wallet to sign in or create your account…' }).waitFor();
    held.release();

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Welcome: your account is created.' }).waitFor();
    await expectAccessible(page, 'signed in: account just created');
    expect(wallet.signed).toHaveLength(1);
    expect(signIns).toEqual([{ path: '/api/auth/register', status: 201 }]);
    await expect(open.stores.users.has(wallet.address)).resolves.toBe(true);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You signed out.').waitFor();
    await chooseWallet(page, 'Test Wallet', 'Create account');
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    expect(wallet.signed).toHaveLength(2);
    expect(signIns).toEqual([
      { path: '/api/auth/register', status: 201 },
      { path: '/api/auth/register', status: 200 },
    ]);
    await expect(page.getByText('your account is created').count()).resolves.toBe(0);
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
  });

  test('an address with an account signs in with the same button and one signature', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.alice] });
    await registerAddress(open, wallet.address);
    const page = await e2e.open({ wallets: [wallet], server: open });

    await chooseWallet(page, 'Test Wallet', 'Create account');

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    expect(wallet.signed).toHaveLength(1);
    await expect(page.getByText('your account is created').count()).resolves.toBe(0);
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
  });
});
