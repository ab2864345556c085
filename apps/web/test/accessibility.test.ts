// axe-core on every state of the sign-in page, in light and dark, at 1280×800 and on a 375×740
// touch screen: signed out (registration open and closed), the wallet picker, each wait and its
// nudge, cancelled, each wallet error, no wallet, every paste and developer-key state, signed in
// (new account, sessions, confirm, failed sign-out), and the page when the server is away. Not
// one violation (WCAG 2 A/AA and axe's best practices). The other suites check the states they
// reach too, and every test's last state.

import type { Page } from 'playwright-core';
import { chooseWallet, privateKeyToAddress, signMessage, SIGNED_IN_HEADING, TEST_KEYS, type TestServer, TestWallet } from '@wallet-login/testkit';
import { expectAccessible, registerAddress, useE2e, type OpenOptions } from './harness';

const e2e = useE2e({ registration: 'open', devKeySignIn: true });
const ALICE = privateKeyToAddress(TEST_KEYS.alice);

type Look = { colorScheme: 'light' | 'dark'; phone: boolean };
const LOOKS: Look[] = [
  { colorScheme: 'light', phone: false },
  { colorScheme: 'dark', phone: false },
  { colorScheme: 'light', phone: true },
  { colorScheme: 'dark', phone: true },
];
const lookName = ({ colorScheme, phone }: Look) => `${colorScheme}, ${phone ? '375×740 touch' : '1280×800'}`;

// Each test walks a dozen screens with an axe check on each: more than the default 20 s when the
// machine is busy.
jest.setTimeout(60_000);

let closed: TestServer;
beforeAll(async () => {
  await registerAddress(e2e.server, ALICE);
  closed = await e2e.startServer({ registration: 'closed' });
});

describe.each(LOOKS)('$colorScheme, phone: $phone', (look) => {
  const open = (options: OpenOptions = {}): Promise<Page> =>
    e2e.open({ colorScheme: look.colorScheme, ...(look.phone ? { touch: true } : { viewport: { width: 1280, height: 800 } }), ...options });
  const check = (page: Page, state: string) => expectAccessible(page, `${state} (${lookName(look)})`);

  test('signing in with a wallet: each step, wait, nudge, cancel and error', async () => {
    const wallet = new TestWallet({ keys: [TEST_KEYS.alice] });
    const page = await open({ wallets: [wallet, new TestWallet({ keys: [TEST_KEYS.bob], name: 'Second Wallet', rdns: 'org.example.second' })], time: e2e.server.clock.now(), fakeTimers: true });
    await check(page, 'signed out');

    await page.getByRole('button', { name: 'Continue with wallet' }).click();
    await page.getByRole('heading', { name: 'Choose a wallet' }).waitFor();
    await check(page, 'wallet picker');

    let held = wallet.hold('connect');
    await page.getByRole('button', { name: 'Test Wallet', exact: true }).click();
    await held.asked;
    await check(page, 'waiting for an account');
    await page.clock.fastForward(10_000);
    await page.getByText("Don't see it?").waitFor();
    await check(page, 'waiting, nudged');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Cancelled: nothing was signed in.').waitFor();
    await check(page, 'cancelled');
    held.release();

    wallet.behaviour = { rejectConnect: false, rejectSign: true, locked: false };
    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('alert').waitFor();
    await check(page, 'declined in the wallet');

    wallet.behaviour = { rejectConnect: false, rejectSign: false, locked: true };
    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('alert').filter({ hasText: 'locked' }).waitFor();
    await check(page, 'locked wallet');

    wallet.behaviour = { rejectConnect: false, rejectSign: false, locked: false };
    held = wallet.hold('sign');
    await chooseWallet(page, 'Test Wallet');
    await held.asked;
    await check(page, 'waiting for the signature');
    held.release();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await page.getByRole('list', { name: 'Your sessions' }).waitFor();
    await check(page, 'signed in');

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('group').waitFor();
    await check(page, 'confirming sign out everywhere');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.route('**/api/auth/logout', (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'still signed in' }).waitFor();
    await check(page, 'sign-out failed');
    await page.unroute('**/api/auth/logout');
    await page.getByRole('button', { name: 'Try signing out again' }).click();
    await page.getByText('You signed out.').waitFor();
    await check(page, 'signed out, with a notice');
  });

  test('no wallet, a new account, registration closed, the server away', async () => {
    let page = await open();
    await page.getByRole('heading', { name: 'No wallet in this browser' }).waitFor();
    await check(page, 'no wallet');

    const newcomer = new TestWallet({ keys: [TEST_KEYS.carol] });
    page = await open({ wallets: [newcomer] });
    await chooseWallet(page, 'Test Wallet', 'Create account');
    await page.getByText('Welcome: your account is created.').waitFor();
    await check(page, 'signed in: account created');
    await e2e.server.stores.users.remove(newcomer.address);

    page = await open({ wallets: [new TestWallet({ keys: [TEST_KEYS.bob] })], server: closed });
    await check(page, 'registration closed: signed out');
    await chooseWallet(page, 'Test Wallet');
    await page.getByRole('alert').waitFor();
    await check(page, 'registration closed: no account');

    const away = await e2e.open({ colorScheme: look.colorScheme });
    await away.route('**/api/config', (route) => route.abort('internetdisconnected'));
    await away.reload();
    await away.getByRole('heading', { name: 'Sign-in is unavailable' }).waitFor();
    await check(away, 'the server away');
  });

  test('paste a signature and the developer key: each step and error', async () => {
    const page = await open({ time: e2e.server.clock.now(), fakeTimers: true });
    await page.getByRole('button', { name: 'Paste a signature' }).click();
    await check(page, 'paste: step one');
    await page.getByLabel('Address that will sign (optional)').fill('0x1234');
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    await page.getByRole('alert').waitFor();
    await check(page, 'paste: not an address');

    await page.getByLabel('Address that will sign (optional)').fill(ALICE);
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    const message = (await page.getByTestId('challenge-message').textContent()) ?? '';
    await page.getByText('Request id (sid)').click();
    await check(page, 'paste: the message');
    await page.getByLabel('Signature').fill(signMessage({ message, privateKey: TEST_KEYS.alice }));
    await page.getByTestId('pasted-signer').waitFor();
    await check(page, 'paste: signer named');
    await page.getByLabel('Signature').fill(signMessage({ message, privateKey: TEST_KEYS.bob }));
    await page.getByTestId('signer-line').filter({ hasText: 'but this message is for' }).waitFor();
    await check(page, 'paste: another signer');
    await page.getByLabel('Signature').fill(signMessage({ message: message.replace(/\n/g, '\r\n'), privateKey: TEST_KEYS.alice }));
    await page.getByTestId('signer-line').filter({ hasText: 'CRLF' }).waitFor();
    await check(page, 'paste: CRLF');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'here is a new one' }).waitFor();
    await check(page, 'paste: refused, a new message');
    await page.clock.fastForward(e2e.server.config.challengeTtlMs + 1000);
    await page.getByText('This message has expired').waitFor();
    await check(page, 'paste: expired');

    await page.getByRole('button', { name: 'Use a developer key Developer mode' }).click();
    await check(page, 'developer key');
    await page.getByLabel('Test private key').fill('0x1234');
    await page.getByRole('button', { name: 'Continue with key' }).click();
    await page.getByRole('alert').waitFor();
    await check(page, 'developer key: not a key');
  });
});
