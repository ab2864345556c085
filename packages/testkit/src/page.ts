// Driving the sign-in page as a person would, for every browser suite (the page's own, and the
// deployment tests through nginx): wait for it, choose a wallet, read the session it holds.

import type { Locator, Page } from 'playwright-core';

/** Waits until the page has asked the server who is signed in and drawn the answer. */
export async function waitForLoaded(page: Page): Promise<void> {
  await page.locator('main[aria-busy="false"]').waitFor();
}

/** The session as the server sees it, asked from inside the page (with its cookie). */
export async function serverSession(page: Page): Promise<{ status: number; address?: string }> {
  return page.evaluate(async () => {
    const response = await fetch('/api/auth/me');
    const body = (await response.json()) as { address?: string };
    return { status: response.status, address: body.address };
  });
}


/**
 * The page's one wallet button: "Continue with wallet" with registration open (it signs in, or
 * creates the account of an address new there, from one signature), "Sign in with wallet" with
 * it closed. `'Create account'` insists on the first: the server must have registration open.
 */
function walletButton(page: Page, verb: 'Sign in' | 'Create account' = 'Sign in'): Locator {
  const name = verb === 'Create account' ? 'Continue with wallet' : /^(Continue|Sign in) with wallet$/;
  return page.getByRole('button', { name });
}

/** Clicks the wallet button (see walletButton), then the named wallet. */
export async function chooseWallet(page: Page, walletName: string, verb: 'Sign in' | 'Create account' = 'Sign in'): Promise<void> {
  await walletButton(page, verb).click();
  await page.getByRole('button', { name: walletName, exact: true }).click();
}

export const SIGNED_IN_HEADING = 'You’re signed in';

/** The short form the page shows: 0x2c75…5c23. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/**
 * On a loaded sign-in page: sign in with the named wallet (creating the account when the address
 * is new and registration is open, which `'Create account'` requires), and wait until signed in.
 */
export async function signInWithWallet(page: Page, walletName: string, verb: 'Sign in' | 'Create account' = 'Sign in'): Promise<void> {
  await waitForLoaded(page);
  await chooseWallet(page, walletName, verb);
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
}
