// The signed-in person's session list, end to end in headless Chromium: browsers signed in as one
// address list each other's sessions, each with "This device" on its own, pinned first, and the
// date each signed in; "End session" on another signs that browser out at once (live session);
// "Sign out everywhere", confirmed from the keyboard, signs them all out, and the API agrees. A
// sign-out the server cannot make says the session is still on, and offers to try again. Each
// browser's clock is pinned to the server's.

import type { Page } from 'playwright-core';
import { ERROR_SENTENCES } from '../src/errors';
import { expectAccessible, registerAddress, useE2e } from './harness';
import { chooseWallet, serverSession, SIGNED_IN_HEADING, TEST_KEYS, TestWallet } from '@wallet-login/testkit';

const e2e = useE2e({ registration: 'open' });

const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_ON_MACOS = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';

const ENDED_ELSEWHERE = 'Your session ended elsewhere (another tab, site or device), so you are signed out here too.';
const MINUTE = 60_000;

/** A sign-in time as the list shows it (the browsers run in en-US, UTC). */
const shown = (ms: number) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(ms);

const address = new TestWallet({ keys: [TEST_KEYS.alice] }).address;

beforeAll(async () => {
  await registerAddress(e2e.server, address);
});

// Each test starts with no sessions (those of earlier tests outlive their closed browsers).
beforeEach(async () => {
  await e2e.server.stores.sessions.destroyAllFor(address);
});

/** A new browser (its own cookies and wallet) claiming to be `userAgent`, not yet signed in. */
function openBrowser(userAgent: string): Promise<Page> {
  return e2e.open({ wallets: [new TestWallet({ keys: [TEST_KEYS.alice] })], userAgent, time: e2e.server.clock.now() });
}

async function signIn(page: Page): Promise<void> {
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
}

/** A browser signed in as `address`, `minutes` after the previous one. */
async function signedInBrowser(userAgent: string, minutes = 5): Promise<Page> {
  e2e.server.clock.advance(minutes * MINUTE);
  const page = await openBrowser(userAgent);
  await signIn(page);
  return page;
}

const sessionItems = (page: Page) => page.getByRole('list', { name: 'Your sessions' }).getByRole('listitem');

/** The list's entries as text, once it shows `count` of them. */
async function listed(page: Page, count: number): Promise<string[]> {
  const items = sessionItems(page);
  await items.nth(count - 1).waitFor();
  await items.nth(count).waitFor({ state: 'detached' });
  return items.allTextContents();
}

const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim());

test('two browsers signed in as one address each list both sessions, "This device" first, each with its sign-in date', async () => {
  const chrome = await signedInBrowser(CHROME_ON_LINUX);
  const chromeSignedInAt = e2e.server.clock.now();
  await expect(listed(chrome, 1)).resolves.toEqual([`Chrome on LinuxThis deviceSigned in ${shown(chromeSignedInAt)} · Active now`]);

  const firefox = await signedInBrowser(FIREFOX_ON_WINDOWS, 5);
  const firefoxSignedInAt = e2e.server.clock.now();

  await expect(listed(firefox, 2)).resolves.toEqual([
    `Firefox on WindowsThis deviceSigned in ${shown(firefoxSignedInAt)} · Active now`,
    `Chrome on LinuxSigned in ${shown(chromeSignedInAt)} · Last seen 5 minutes agoEnd session`,
  ]);
  const other = sessionItems(firefox).nth(1);
  await expect(other.locator('time').first().getAttribute('datetime')).resolves.toBe(new Date(chromeSignedInAt).toISOString());
  await expect(other.getByRole('button', { name: 'End session on Chrome on Linux', exact: true }).count()).resolves.toBe(1);
  await expect(sessionItems(firefox).nth(0).getByRole('button').count()).resolves.toBe(0);
  // The row buttons read apart from the card's own Sign out.
  await expect(firefox.getByRole('button', { name: 'Sign out', exact: true }).count()).resolves.toBe(1);
  await expectAccessible(firefox, 'signed in: two sessions');

  // The first browser reads its list again when it is shown again (its clock moved on meanwhile):
  // its own session stays first although the other one is newer.
  await chrome.clock.setFixedTime(e2e.server.clock.now());
  await chrome.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await expect(listed(chrome, 2)).resolves.toEqual([
    `Chrome on LinuxThis deviceSigned in ${shown(chromeSignedInAt)} · Active now`,
    `Firefox on WindowsSigned in ${shown(firefoxSignedInAt)} · Last seen just nowEnd session`,
  ]);

  // From 320 px up nothing sticks out sideways.
  await firefox.setViewportSize({ width: 320, height: 800 });
  await expect(firefox.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(320);
  await expectAccessible(firefox, 'signed in: two sessions, at 320 px');
});

test('revoking another session signs that browser out at once; the list drops it and focus moves on', async () => {
  const safari = await signedInBrowser(SAFARI_ON_MACOS);
  const firefox = await signedInBrowser(FIREFOX_ON_WINDOWS);
  const chrome = await signedInBrowser(CHROME_ON_LINUX);
  const chromeSignedInAt = e2e.server.clock.now();
  await expect(listed(chrome, 3)).resolves.toHaveLength(3);

  await chrome.getByRole('button', { name: 'End session on Firefox on Windows', exact: true }).click();

  // The other browser hears it over its live session, without a reload.
  await firefox.getByText(ENDED_ELSEWHERE).waitFor();
  await firefox.getByRole('button', { name: 'Continue with wallet' }).waitFor();
  await expect(listed(chrome, 2)).resolves.toEqual([
    `Chrome on LinuxThis deviceSigned in ${shown(chromeSignedInAt)} · Active now`,
    `Safari on macOSSigned in ${shown(chromeSignedInAt - 10 * MINUTE)} · Last seen 10 minutes agoEnd session`,
  ]);
  await chrome.getByRole('status').filter({ hasText: 'The session on Firefox on Windows has ended.' }).waitFor();
  await expect(focused(chrome)).resolves.toBe('End session on Safari on macOS');
  await expect(serverSession(firefox)).resolves.toEqual({ status: 401, address: undefined });
  await expect(serverSession(safari)).resolves.toEqual({ status: 200, address });

  // The last other session, from the keyboard: focus then goes to the list's heading.
  await chrome.keyboard.press('Enter');
  await safari.getByText(ENDED_ELSEWHERE).waitFor();
  await expect(listed(chrome, 1)).resolves.toEqual([`Chrome on LinuxThis deviceSigned in ${shown(chromeSignedInAt)} · Active now`]);
  await expect(focused(chrome)).resolves.toBe('Your sessions');
  await expect(serverSession(chrome)).resolves.toEqual({ status: 200, address });
  await expect(chrome.getByRole('heading', { name: SIGNED_IN_HEADING }).count()).resolves.toBe(1);
});

test('"Sign out everywhere", confirmed from the keyboard, signs out both browsers, and the API agrees', async () => {
  const firefox = await signedInBrowser(FIREFOX_ON_WINDOWS);
  const chrome = await signedInBrowser(CHROME_ON_LINUX);
  await expect(listed(chrome, 2)).resolves.toHaveLength(2);

  // Escape backs out of the confirm step: nothing ends, focus returns to the button.
  await chrome.getByRole('button', { name: 'Sign out everywhere', exact: true }).focus();
  await chrome.keyboard.press('Enter');
  const confirm = chrome.getByRole('group', { name: 'Sign out of all 2 sessions, this one included? You will need to sign in again on each device.' });
  await confirm.waitFor();
  await expect(focused(chrome)).resolves.toBe('Cancel');
  await expectAccessible(chrome, 'signed in: confirming sign out everywhere');
  await chrome.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  await expect(focused(chrome)).resolves.toBe('Sign out everywhere');
  await expect(serverSession(chrome)).resolves.toEqual({ status: 200, address });
  await expect(serverSession(firefox)).resolves.toEqual({ status: 200, address });

  await chrome.keyboard.press('Enter');
  await confirm.waitFor();
  await chrome.keyboard.press('Shift+Tab');
  await expect(focused(chrome)).resolves.toBe('Yes, sign out everywhere');
  await chrome.keyboard.press('Enter');

  await chrome.getByText('You signed out everywhere: every session of this address has ended.').waitFor();
  await chrome.getByRole('button', { name: 'Continue with wallet' }).waitFor();
  await firefox.getByText(ENDED_ELSEWHERE).waitFor();
  await firefox.getByRole('button', { name: 'Continue with wallet' }).waitFor();
  await expect(serverSession(chrome)).resolves.toEqual({ status: 401, address: undefined });
  await expect(serverSession(firefox)).resolves.toEqual({ status: 401, address: undefined });
  await expect(e2e.server.stores.sessions.listFor(address)).resolves.toEqual([]);
  // This browser signed itself out: it is not told its session "ended elsewhere".
  await expect(chrome.getByText(ENDED_ELSEWHERE).count()).resolves.toBe(0);
});

test('the list says while it loads; a failed revoke is a sentence and keeps the list; a session that already ended drops out', async () => {
  const firefox = await signedInBrowser(FIREFOX_ON_WINDOWS);
  e2e.server.clock.advance(5 * MINUTE);
  const chrome = await openBrowser(CHROME_ON_LINUX);
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await chrome.route('**/api/auth/sessions', async (route) => {
    await held;
    await route.continue();
  });

  await signIn(chrome);
  await chrome.getByRole('status').filter({ hasText: 'Loading your sessions…' }).waitFor();
  await expect(sessionItems(chrome).count()).resolves.toBe(0);
  release();
  await expect(listed(chrome, 2)).resolves.toHaveLength(2);
  await expect(chrome.getByText('Loading your sessions…').count()).resolves.toBe(0);
  await chrome.unroute('**/api/auth/sessions');

  // The server is away for the revoke: the sentence, the list as it was, focus where it was.
  await chrome.route('**/api/auth/sessions/*', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'service_unavailable', message: 'Unavailable.' } }) }),
  );
  const revoke = chrome.getByRole('button', { name: 'End session on Firefox on Windows', exact: true });
  await revoke.click();
  await expect(chrome.getByRole('alert').textContent()).resolves.toBe(ERROR_SENTENCES.service_unavailable);
  await expect(listed(chrome, 2)).resolves.toHaveLength(2);
  await expect(focused(chrome)).resolves.toBe('End session on Firefox on Windows');
  await expect(serverSession(firefox)).resolves.toEqual({ status: 200, address });
  await chrome.unroute('**/api/auth/sessions/*');

  // The session ends on the server before the page asks (404 not_found): it just leaves the list.
  const ended = (await e2e.server.stores.sessions.listFor(address)).find((session) => session.data.userAgent === FIREFOX_ON_WINDOWS);
  expect(ended).toBeDefined();
  await e2e.server.stores.sessions.destroy(ended?.id ?? '');
  await revoke.click();
  await expect(listed(chrome, 1)).resolves.toHaveLength(1);
  await expect(chrome.getByRole('alert').count()).resolves.toBe(0);
});

test('a sign-out the server cannot make says you are still signed in and offers a retry; the sentence goes once the server answers again', async () => {
  const chrome = await signedInBrowser(CHROME_ON_LINUX);
  await expect(listed(chrome, 1)).resolves.toHaveLength(1);
  const alert = chrome.getByRole('alert');

  // The server is unreachable.
  await chrome.route('**/api/auth/logout', (route) => route.abort('internetdisconnected'));
  await chrome.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(alert.textContent()).resolves.toBe(`You’re still signed in. ${ERROR_SENTENCES.network_error}Try signing out again`);
  await expect(chrome.getByRole('heading', { name: SIGNED_IN_HEADING }).count()).resolves.toBe(1);
  await expect(focused(chrome)).resolves.toBe('Try signing out again');
  await expect(serverSession(chrome)).resolves.toEqual({ status: 200, address });
  await expectAccessible(chrome, 'signed in: sign-out failed');

  // It answers, but its session store is down (503): still signed in, said with that reason.
  await chrome.unroute('**/api/auth/logout');
  await chrome.route('**/api/auth/logout', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'service_unavailable', message: 'Unavailable.' } }) }),
  );
  await chrome.getByRole('button', { name: 'Try signing out again' }).press('Enter');
  await alert.filter({ hasText: ERROR_SENTENCES.service_unavailable }).waitFor();
  await expect(alert.textContent()).resolves.toBe(`You’re still signed in. ${ERROR_SENTENCES.service_unavailable}Try signing out again`);
  await expect(focused(chrome)).resolves.toBe('Try signing out again');

  // The server is back: the next call that works clears the stale sentence.
  await chrome.unroute('**/api/auth/logout');
  await chrome.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await alert.waitFor({ state: 'detached' });
  await chrome.getByRole('button', { name: 'Sign out', exact: true }).waitFor();

  // Once more down, then the retry itself works: signed out.
  await chrome.route('**/api/auth/logout', (route) => route.abort('internetdisconnected'));
  await chrome.getByRole('button', { name: 'Sign out', exact: true }).click();
  await alert.waitFor();
  await chrome.unroute('**/api/auth/logout');
  await chrome.getByRole('button', { name: 'Try signing out again' }).click();
  await chrome.getByText('You signed out.').waitFor();
  await expect(serverSession(chrome)).resolves.toEqual({ status: 401, address: undefined });
  await expect(chrome.getByRole('alert').count()).resolves.toBe(0);
});
