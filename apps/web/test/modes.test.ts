// The two modes without a browser wallet, end to end in headless Chromium: developer mode (a test
// key signs in the page with web3.js and is kept nowhere) and paste-a-signature (the message is
// signed by the wallet-login CLI's `sign` command and pasted back), including an expired challenge.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { run } from '@wallet-login/client/cli';
import { registerAddress, useE2e } from './harness';
import { privateKeyToAddress, serverSession, SIGNED_IN_HEADING, TEST_KEYS } from '@wallet-login/testkit';

const e2e = useE2e({ registration: 'open', devKeySignIn: true });

const ALICE = privateKeyToAddress(TEST_KEYS.alice);

/** `wallet-login sign --message -` with the message on stdin and the key in WALLET_LOGIN_KEY. */
async function cliSign(message: string, privateKey: string): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'wallet-login-cli-'));
  let stdout = '';
  let stderr = '';
  try {
    const code = await run(['sign', '--message', '-'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: (async function* () {
        yield message;
      })(),
      env: { WALLET_LOGIN_KEY: privateKey },
      homeDir: home,
    });
    if (code !== 0) throw new Error(`wallet-login sign exited ${code}: ${stderr}`);
    return stdout.trim();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function openDevKey(): Promise<Page> {
  const page = await e2e.open();
  await page.getByRole('button', { name: 'Use a developer key Developer mode' }).click();
  await page.getByRole('heading', { name: 'Developer key Developer mode' }).waitFor();
  return page;
}

async function openPaste(): Promise<Page> {
  const page = await e2e.open();
  await page.getByRole('button', { name: 'Paste a signature' }).click();
  await page.getByRole('heading', { name: 'Paste a signature' }).waitFor();
  return page;
}

/** Everything the page keeps: storage, cookies it can see, the DOM and its form values. */
async function pageState(page: Page): Promise<string> {
  const inPage = await page.evaluate(() =>
    JSON.stringify({
      local: { ...localStorage },
      session: { ...sessionStorage },
      cookie: document.cookie,
      html: document.documentElement.outerHTML,
      values: [...document.querySelectorAll('input, textarea')].map((field) => (field as HTMLInputElement).value),
    }),
  );
  const cookies = JSON.stringify(await page.context().cookies());
  return `${inPage}${cookies}`.toLowerCase();
}

describe('developer mode', () => {
  test('signs in with a pasted test key and keeps the key nowhere', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openDevKey();
    await expect(page.getByText('For test keys only').isVisible()).resolves.toBe(true);

    await page.getByLabel('Test private key').fill(TEST_KEYS.alice);
    await page.getByRole('button', { name: 'Sign in with key' }).click();

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: ALICE });
    const state = await pageState(page);
    expect(state).not.toContain(TEST_KEYS.alice.slice(2));
  });

  test('an unregistered key is refused with an offer to create the account, and the field is cleared', async () => {
    const carol = privateKeyToAddress(TEST_KEYS.carol);
    const page = await openDevKey();
    const field = page.getByLabel('Test private key');

    await field.fill(TEST_KEYS.carol);
    await page.getByRole('button', { name: 'Sign in with key' }).click();

    await page.getByRole('alert').filter({ hasText: "This address doesn't have an account here." }).waitFor();
    await expect(field.inputValue()).resolves.toBe('');
    expect(await pageState(page)).not.toContain(TEST_KEYS.carol.slice(2));

    await page.getByRole('button', { name: 'Create an account with this address' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await field.fill(TEST_KEYS.carol);
    await page.getByRole('button', { name: 'Create account with key' }).click();

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: carol });
    await expect(e2e.server.stores.users.has(carol)).resolves.toBe(true);
  });

  test('something that is not a key is reported without asking the server', async () => {
    const page = await openDevKey();
    let challenges = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/auth/challenge')) challenges += 1;
    });

    await page.getByLabel('Test private key').fill('0x1234');
    await page.getByRole('button', { name: 'Sign in with key' }).click();

    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'That is not a private key — it should be 64 hexadecimal characters, with or without 0x.',
    );
    expect(challenges).toBe(0);
  });
});

describe('paste a signature', () => {
  test('shows the message and sid with copy buttons; a signature from the CLI signs in', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openPaste();

    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    const message = (await page.getByTestId('challenge-message').textContent()) ?? '';
    const sid = (await page.getByTestId('challenge-sid').textContent()) ?? '';
    expect(message).toContain(`${new URL(e2e.server.url).host} wants you to sign in with your Ethereum account:`);
    expect(message).toContain(`\nNonce: ${sid}\n`);
    expect(sid).toMatch(/^[A-Za-z0-9]{16,}$/);
    await page.getByRole('button', { name: 'Copy message' }).click();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(message);
    await page.getByRole('button', { name: 'Copy sid' }).click();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(sid);

    await page.getByLabel('Signature').fill(`\n${await cliSign(message, TEST_KEYS.alice)}  \n`);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: ALICE });
  });

  test('an expired challenge is reported in words, and a new message then signs in', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openPaste();
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    const stale = (await page.getByTestId('challenge-message').textContent()) ?? '';

    e2e.server.clock.advance(e2e.server.config.challengeTtlMs + 1000);
    await page.getByLabel('Signature').fill(await cliSign(stale, TEST_KEYS.alice));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await expect(page.getByRole('alert').textContent()).resolves.toBe('The sign-in request expired — try again.');
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });

    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    const fresh = (await page.getByTestId('challenge-message').textContent()) ?? '';
    expect(fresh).not.toBe(stale);
    await page.getByLabel('Signature').fill(await cliSign(fresh, TEST_KEYS.alice));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  });

  test('something that is not a signature is caught before it is sent, and the message stays', async () => {
    const page = await openPaste();
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    const message = await page.getByTestId('challenge-message').textContent();

    await page.getByLabel('Signature').fill('{"signature": "0x12"}');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'That is not a signature — it should be 0x followed by 130 hexadecimal characters.',
    );
    await expect(page.getByTestId('challenge-message').textContent()).resolves.toBe(message);
  });

  test('a message bound to one address refuses a signature by another', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openPaste();
    await page.getByLabel('Address that will sign (optional)').fill(ALICE.toLowerCase());
    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    const message = (await page.getByTestId('challenge-message').textContent()) ?? '';
    expect(message.split('\n')[1]).toBe(ALICE);

    await page.getByLabel('Signature').fill(await cliSign(message, TEST_KEYS.bob));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      "The signature doesn't match the account that was asked to sign — check which account signed it.",
    );
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
  });
});
