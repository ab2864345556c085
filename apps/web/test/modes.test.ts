// The two modes without a browser wallet, end to end in headless Chromium: developer mode (a test
// key signs in the page with web3.js and is kept nowhere) and paste-a-signature (the message is
// signed by the wallet-login CLI's `sign` command and pasted back), including an expired challenge,
// a message saved with Windows line endings, the signer named before anything is sent, a phone's
// width, and focus on each panel's heading as the panels switch.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { run } from '@wallet-login/client/cli';
import { expectAccessible, registerAddress, useE2e, type OpenOptions } from './harness';
import { privateKeyToAddress, serverSession, signMessage, SIGNED_IN_HEADING, TEST_KEYS } from '@wallet-login/testkit';

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

async function openPaste(options: OpenOptions = {}): Promise<Page> {
  const page = await e2e.open(options);
  await page.getByRole('button', { name: 'Paste a signature' }).click();
  await page.getByRole('heading', { name: 'Paste a signature' }).waitFor();
  return page;
}

/** Asks for a message and returns it, as shown. */
async function getMessage(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Get sign-in message' }).click();
  return (await page.getByTestId('challenge-message').textContent()) ?? '';
}

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim());

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
    await page.getByRole('button', { name: 'Continue with key' }).click();

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: ALICE });
    // An address with an account is signed in, not welcomed as new.
    await expect(page.getByText('your account is created').count()).resolves.toBe(0);
    const state = await pageState(page);
    expect(state).not.toContain(TEST_KEYS.alice.slice(2));
  });

  test('a key new here creates its account from the one signature, and the field is cleared', async () => {
    const carol = privateKeyToAddress(TEST_KEYS.carol);
    const page = await openDevKey();
    const field = page.getByLabel('Test private key');

    await field.fill(TEST_KEYS.carol);
    await page.getByRole('button', { name: 'Continue with key' }).click();

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Welcome: your account is created.' }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: carol });
    await expect(e2e.server.stores.users.has(carol)).resolves.toBe(true);
    expect(await pageState(page)).not.toContain(TEST_KEYS.carol.slice(2));
  });

  test('something that is not a key is reported without asking the server', async () => {
    const page = await openDevKey();
    let challenges = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/auth/challenge')) challenges += 1;
    });

    await page.getByLabel('Test private key').fill('0x1234');
    await page.getByRole('button', { name: 'Continue with key' }).click();

    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'That is not a private key — it should be 64 hexadecimal characters, with or without 0x.',
    );
    expect(challenges).toBe(0);
  });
});

describe('paste a signature', () => {
  test('shows the message with a Copy button and the sid under details; the signer is named, then a signature from the CLI signs in', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openPaste();

    const message = await getMessage(page);
    await expect(focusedText(page)).resolves.toBe('Sign this message exactly as shown');
    const sid = (await page.getByTestId('challenge-sid').textContent()) ?? '';
    expect(message).toContain(`${new URL(e2e.server.url).host} wants you to sign in with your Ethereum account:`);
    expect(message).toContain(`\nNonce: ${sid}\n`);
    expect(sid).toMatch(/^[A-Za-z0-9]{16,}$/);
    await page.getByRole('button', { name: 'Copy message' }).click();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(message);
    // The sid is tucked away, without a Copy button of its own.
    await expect(page.getByTestId('challenge-sid').isVisible()).resolves.toBe(false);
    await expect(page.getByRole('button', { name: /sid/ }).count()).resolves.toBe(0);
    await page.getByText('Request id (sid)').click();
    await expect(page.getByTestId('challenge-sid').isVisible()).resolves.toBe(true);

    // The signer is named as soon as the signature is pasted, before anything is sent.
    let sent = 0;
    page.on('request', (request) => {
      if (/\/api\/auth\/(login|register)$/.test(request.url())) sent += 1;
    });
    await page.getByLabel('Signature').fill(`\n${await cliSign(message, TEST_KEYS.alice)}  \n`);
    await expect(page.getByTestId('pasted-signer').textContent()).resolves.toBe(ALICE);
    expect(sent).toBe(0);
    await expectAccessible(page, 'paste: a signature pasted, its signer named');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();

    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: ALICE });
  });

  test('a new address over a message that named none gets a new message naming it, and signing that one creates the account', async () => {
    // A key no other test of this file (which share one server) signs in with.
    const newcomerKey = `0x${'5d'.repeat(32)}`;
    const newcomer = privateKeyToAddress(newcomerKey);
    const page = await openPaste();
    const unnamed = await getMessage(page);
    expect(unnamed.split('\n')[1]).toBe('0x0000000000000000000000000000000000000000');

    await page.getByLabel('Signature').fill(await cliSign(unnamed, newcomerKey));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'names' }).waitFor();
    await expect(alert.textContent()).resolves.toContain(`here is a new message that names ${newcomer}`);
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
    const naming = (await page.getByTestId('challenge-message').textContent()) ?? '';
    expect(naming.split('\n')[1]).toBe(newcomer);

    await page.getByLabel('Signature').fill(await cliSign(naming, newcomerKey));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: newcomer });
    await expect(e2e.server.stores.users.has(newcomer)).resolves.toBe(true);
  });

  test('an expired challenge is reported in words, a new message comes at once and says so, and it signs in', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openPaste();
    const stale = await getMessage(page);

    e2e.server.clock.advance(e2e.server.config.challengeTtlMs + 1000);
    await page.getByLabel('Signature').fill(await cliSign(stale, TEST_KEYS.alice));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();

    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'here is a new one' }).waitFor();
    await expect(alert.textContent()).resolves.toBe(
      "The sign-in request expired — try again.That message can't be used again, so here is a new one: sign it and paste the new signature.",
    );
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
    const fresh = (await page.getByTestId('challenge-message').textContent()) ?? '';
    expect(fresh).not.toBe(stale);
    await expect(page.getByLabel('Signature').inputValue()).resolves.toBe('');
    await expectAccessible(page, 'paste: expired, with a new message');

    await page.getByLabel('Signature').fill(await cliSign(fresh, TEST_KEYS.alice));
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  });

  test('a message saved with Windows line endings (CRLF) and signed with the CLI signs in: the CLI signs the issued text', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openPaste();
    await page.getByLabel('Address that will sign (optional)').fill(ALICE);
    const message = await getMessage(page);
    const savedOnWindows = `${message.replace(/\n/g, '\r\n')}\r\n`;
    expect(savedOnWindows).toContain('\r\n');

    await page.getByLabel('Signature').fill(await cliSign(savedOnWindows, TEST_KEYS.alice));

    await expect(page.getByTestId('pasted-signer').textContent()).resolves.toBe(ALICE);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
    await expect(serverSession(page)).resolves.toEqual({ status: 200, address: ALICE });
  });

  test('a signature of the CRLF text made by another tool is caught in the page and explained, before it is sent', async () => {
    const page = await openPaste();
    await page.getByLabel('Address that will sign (optional)').fill(ALICE);
    const message = await getMessage(page);

    // A tool that signs the bytes as saved, carriage returns and all.
    await page.getByLabel('Signature').fill(signMessage({ message: message.replace(/\n/g, '\r\n'), privateKey: TEST_KEYS.alice }));

    const line = page.getByTestId('signer-line');
    await line.filter({ hasText: 'Windows line endings (CRLF)' }).waitFor();
    await expect(line.textContent()).resolves.toContain('npx wallet-login sign --message - < message.txt');
    await expectAccessible(page, 'paste: a CRLF signature explained');
  });

  test('on a 375 px phone the whole message shows, wrapped and not cut off, with a countdown to its expiry', async () => {
    const page = await openPaste({ touch: true, time: e2e.server.clock.now(), fakeTimers: true });
    await page.getByLabel('Address that will sign (optional)').fill(ALICE);
    const message = await getMessage(page);

    const box = await page.getByTestId('challenge-message').evaluate((element) => ({
      scrollHeight: element.scrollHeight,
      clientHeight: element.clientHeight,
      scrollWidth: element.scrollWidth,
      clientWidth: element.clientWidth,
      text: element.textContent,
    }));
    expect(box.text).toBe(message);
    expect(box.scrollHeight).toBeLessThanOrEqual(box.clientHeight);
    expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(375);
    // The address line (42 characters) wraps inside the box rather than run out of it.
    expect(message.split('\n')[1]).toBe(ALICE);

    const ttl = e2e.server.config.challengeTtlMs;
    const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String((ms % 60_000) / 1000).padStart(2, '0')}`;
    await expect(page.getByRole('timer').textContent()).resolves.toBe(clock(ttl));
    await page.clock.fastForward(61_000);
    await expect(page.getByRole('timer').textContent()).resolves.toBe(clock(ttl - 61_000));
    await expectAccessible(page, 'paste on a phone, counting down');
    await page.clock.fastForward(ttl);
    await page.getByText('This message has expired: get a new one.').waitFor();
  });  test('something that is not a signature is caught before it is sent, and the message stays', async () => {
    const page = await openPaste();
    const message = await getMessage(page);

    await page.getByLabel('Signature').fill('{"signature": "0x12"}');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();

    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'That is not a signature — it should be 0x followed by 130 hexadecimal characters.',
    );
    await expect(page.getByTestId('challenge-message').textContent()).resolves.toBe(message);
  });

  test('a message bound to one address refuses a signature by another', async () => {
    await registerAddress(e2e.server, ALICE);
    const page = await openPaste();
    await page.getByLabel('Address that will sign (optional)').fill(ALICE.toLowerCase());
    const message = await getMessage(page);
    expect(message.split('\n')[1]).toBe(ALICE);
    const bob = privateKeyToAddress(TEST_KEYS.bob);

    await page.getByLabel('Signature').fill(await cliSign(message, TEST_KEYS.bob));
    // Said before it is sent: whose signature it is, and whose it should be.
    const line = page.getByTestId('signer-line');
    await line.filter({ hasText: 'Signed by' }).waitFor();
    await expect(line.textContent()).resolves.toBe(`Signed by ${bob}, but this message is for ${ALICE}: sign it with that address.`);
    await page.getByRole('button', { name: 'Continue', exact: true }).click();

    await page.getByRole('alert').filter({ hasText: "The signature doesn't match the account that was asked to sign" }).waitFor();
    await expect(serverSession(page)).resolves.toMatchObject({ status: 401 });
  });

  test('a slow server can be cancelled, and its late answer changes nothing', async () => {
    const page = await openPaste();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/auth/challenge', async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });

    await page.getByRole('button', { name: 'Get sign-in message' }).click();
    await page.getByRole('status').filter({ hasText: 'Getting a sign-in request from the server…' }).waitFor();
    await expect(focusedText(page)).resolves.toBe('Cancel');
    await page.keyboard.press('Escape');

    await expect(focusedText(page)).resolves.toBe('Get sign-in message');
    release();
    await page.waitForTimeout(300);
    await expect(page.getByTestId('challenge-message').count()).resolves.toBe(0);
    await expect(page.getByRole('heading', { name: 'Paste a signature' }).count()).resolves.toBe(1);
  });
});

describe('switching panels', () => {
  test('focus moves to each new panel\'s heading, and the next Tab reaches its fields', async () => {
    const page = await e2e.open({ wallets: [] });
    const nav = page.getByRole('navigation', { name: 'Other ways to sign in' });
    const focusedTag = () => page.evaluate(() => `${document.activeElement?.tagName}:${document.activeElement?.textContent?.trim()}`);
    const nextTabLabel = async () => {
      await page.keyboard.press('Tab');
      return page.evaluate(() => {
        const element = document.activeElement as HTMLInputElement | null;
        return element?.labels?.[0]?.textContent ?? element?.textContent?.trim();
      });
    };

    await nav.getByRole('button', { name: 'Paste a signature' }).click();
    await expect(focusedTag()).resolves.toBe('H2:Paste a signature');
    await expect(nextTabLabel()).resolves.toBe('Address that will sign (optional)');

    await nav.getByRole('button', { name: 'Use a developer key Developer mode' }).click();
    await expect(focusedTag()).resolves.toBe('H2:Developer key Developer mode');
    await expect(nextTabLabel()).resolves.toBe('Test private key');

    // Back to the wallet panel: this browser has none, which that panel's heading says.
    await nav.getByRole('button', { name: 'Use a wallet' }).click();
    await expect(focusedTag()).resolves.toBe('H2:No wallet in this browser');
    await expect(nextTabLabel()).resolves.toBe('Look again');
  });
});
