// Creating an account from the sign-in page, end to end in headless Chromium, with registration
// closed (only an administrator adds addresses) and open (the register endpoint), then signing in.

import {
  chooseWallet, serverSession, SIGNED_IN_HEADING, TEST_KEYS, type TestServer, TestWallet,
} from '@wallet-login/testkit';
import { registerAddress, useE2e } from './harness';

const e2e = useE2e({ registration: 'closed' });

describe('registration closed', () => {
  test('offers no account creation; an unregistered address is told to ask the administrator, and signs in once added', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.alice] });
    const page = await e2e.open({ wallets: [wallet] });
    await expect(page.getByRole('button', { name: 'Create an account' }).count()).resolves.toBe(0);

    await chooseWallet(page, 'Test Wallet');

    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toBe("This address doesn't have an account here.Ask the administrator of this site to add your address.");
    await expect(alert.getByRole('button').count()).resolves.toBe(0);
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });

    await registerAddress(e2e.server, wallet.address);
    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
  });
});

describe('registration open', () => {
  let open: TestServer;
  beforeAll(async () => {
    open = await e2e.startServer({ registration: 'open' });
  });

  test('an unregistered address is offered "Create an account", which registers it; then sign out and sign in again', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.bob] });
    const page = await e2e.open({ wallets: [wallet], server: open });

    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('alert').filter({ hasText: "This address doesn't have an account here." }).waitFor();
    await expect(open.stores.users.has(wallet.address)).resolves.toBe(false);

    await page.getByRole('button', { name: 'Create an account with this address' }).click();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(open.stores.users.has(wallet.address)).resolves.toBe(true);
    expect(wallet.signed).toHaveLength(2);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByText('You signed out.').waitFor();
    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
  });

  test('"Create an account" registers a new address in one signature', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.carol] });
    const page = await e2e.open({ wallets: [wallet], server: open });

    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await chooseWallet(page, 'Test Wallet', 'Create account');

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    expect(wallet.signed).toHaveLength(1);
    await expect(open.stores.users.has(wallet.address)).resolves.toBe(true);
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
  });

  test('creating an account for an address that has one already just signs in', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.alice] });
    await registerAddress(open, wallet.address);
    const page = await e2e.open({ wallets: [wallet], server: open });

    await page.getByRole('button', { name: 'Create an account' }).click();
    await chooseWallet(page, 'Test Wallet', 'Create account');

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: wallet.address });
  });
});
