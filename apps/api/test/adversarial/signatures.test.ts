// Signatures, on a server without RPC_URLS: only a canonical 65-byte signature (0x + 130 hex;
// v 27/28 or 0/1; 1 ≤ r < n; 1 ≤ s ≤ n/2, EIP-2) by the address the message names signs in. A
// malformed one is a 400 that leaves the challenge usable; a well-formed wrong one is a 401 that
// uses it up. Any other even number of bytes (up to 16 KiB) is a contract wallet's signature,
// which such a server cannot check: a 401 that says contract wallets need RPC_URLS.

import { secp256k1 } from '@noble/curves/secp256k1';
import { ADDRESS, expectError, KEY, OTHER_KEY, registeredBrowser, snapshot, useServer } from './support';
import { signMessage } from '@wallet-login/testkit';

const server = useServer();
const N = secp256k1.CURVE.n;
const hex64 = (value: bigint): string => value.toString(16).padStart(64, '0');

/** A well-formed signature over `message` by `key`, split into its parts. */
function parts(message: string, key = KEY) {
  const signature = signMessage({ message, privateKey: key });
  return { signature, r: signature.slice(2, 66), s: signature.slice(66, 130), v: signature.slice(130) };
}

/** The other signature of the same (r, s): s' = n − s with the parity flipped (EIP-2 forbids it). */
function highSTwin(signature: string): string {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130), 16);
  return `${signature.slice(0, 66)}${hex64(N - s)}${v === 27 ? '1c' : '1b'}`;
}

/** The smallest x that is no point's x-coordinate on secp256k1: as r, no public key recovers. */
function rWithoutPoint(): string {
  for (let x = 1n; ; x++) {
    try {
      secp256k1.ProjectivePoint.fromHex(`02${hex64(x)}`);
    } catch {
      return hex64(x);
    }
  }
}

type Malformed = [string, (sig: ReturnType<typeof parts>) => unknown];

const MALFORMED: Malformed[] = [
  ['non-hex digits', ({ signature }) => `${signature.slice(0, -2)}zz`],
  ['an odd length', ({ signature }) => signature.slice(0, -1)],
  ['no 0x prefix', ({ signature }) => signature.slice(2)],
  ['an upper-case 0X prefix', ({ signature }) => `0X${signature.slice(2)}`],
  ['0 bytes', () => '0x'],
  ['an empty string', () => ''],
  ['trailing text after a valid signature', ({ signature }) => `${signature}-and-more`],
  ['a trailing newline', ({ signature }) => `${signature}\n`],
  ['leading whitespace', ({ signature }) => ` ${signature}`],
  ['fullwidth digits', ({ signature }) => signature.replace(/[0-9]/, (d) => String.fromCharCode(0xff10 + Number(d)))],
  ['1025 characters', ({ signature }) => `${signature}${'0'.repeat(1025 - signature.length)}`],
  ['16 KiB + 1 byte', () => `0x${'ab'.repeat(16 * 1024 + 1)}`],
  ['null', () => null],
  ['a number', () => 12345],
  ['an array', ({ signature }) => [signature]],
  ['an object', ({ r, s, v }) => ({ r, s, v })],
  ['true', () => true],
  ['the high-s twin', ({ signature }) => highSTwin(signature)],
  ['s = n/2 + 1', ({ r, v }) => `0x${r}${hex64((N >> 1n) + 1n)}${v}`],
  ['v = 26', ({ r, s }) => `0x${r}${s}1a`],
  ['v = 29', ({ r, s }) => `0x${r}${s}1d`],
  ['v = 2', ({ r, s }) => `0x${r}${s}02`],
  ['v = 37 (EIP-155, chain 1)', ({ r, s }) => `0x${r}${s}25`],
  ['v = 38 (EIP-155, chain 1)', ({ r, s }) => `0x${r}${s}26`],
  ['v = 255', ({ r, s }) => `0x${r}${s}ff`],
  ['r zero', ({ s, v }) => `0x${'0'.repeat(64)}${s}${v}`],
  ['s zero', ({ r, v }) => `0x${r}${'0'.repeat(64)}${v}`],
  ['r = n', ({ s, v }) => `0x${hex64(N)}${s}${v}`],
  ['r = n + 1', ({ s, v }) => `0x${hex64(N + 1n)}${s}${v}`],
  ['r = 2^256 − 1', ({ s, v }) => `0x${'f'.repeat(64)}${s}${v}`],
  ['s = n', ({ r, v }) => `0x${r}${hex64(N)}${v}`],
  ['s = 2^256 − 1', ({ r, v }) => `0x${r}${'f'.repeat(64)}${v}`],
];

describe('malformed signatures: 400 invalid_request, the challenge still usable', () => {
  test.each(MALFORMED)('%s', async (_name, make) => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    const before = await snapshot(stores);
    expect(before).toMatchObject({ challenges: 1, sessions: 1 });

    expectError(await browser.login({ sid: c.sid, signature: make(parts(c.message)), message: c.message }), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBeUndefined();
    // Refused before the challenge was taken: the right signature still signs in.
    expect((await browser.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
  });
});

describe("other lengths are a contract wallet's: without RPC_URLS, 401 signature_invalid saying so, the challenge used up", () => {
  test.each([
    ['64 bytes (EIP-2098 compact)', (signature: string) => signature.slice(0, -2)],
    ['66 bytes', (signature: string) => `${signature}1b`],
    ['trailing data after a valid signature', (signature: string) => `${signature}00`],
    ['16 KiB', () => `0x${'ab'.repeat(16 * 1024)}`],
  ])('%s', async (_name, make) => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    const before = await snapshot(stores);
    const res = await browser.login({ sid: c.sid, signature: make(c.signature), message: c.message });
    expectError(res, 401, 'signature_invalid');
    expect(res.body.error.message).toContain('RPC_URLS');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    expect(await browser.whoami()).toBeUndefined();
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
  });
});

describe('well-formed signatures that do not verify: 401 signature_invalid, the challenge used up', () => {
  const WRONG: Array<[string, (message: string, other: string) => string]> = [
    ['by another key', (message) => signMessage({ message, privateKey: OTHER_KEY })],
    ['by the right key over another message', (_message, other) => signMessage({ message: other, privateKey: KEY })],
    ['with v flipped', (message) => {
      const { r, s, v } = parts(message);
      return `0x${r}${s}${v === '1b' ? '1c' : '1b'}`;
    }],
    ['with one bit of r flipped', (message) => {
      const { r, s, v } = parts(message);
      return `0x${hex64(BigInt(`0x${r}`) ^ 1n)}${s}${v}`;
    }],
    ['with an r that is no point on the curve', (message) => {
      const { s, v } = parts(message);
      return `0x${rWithoutPoint()}${s}${v}`;
    }],
  ];

  test.each(WRONG)('%s', async (_name, make) => {
    const { stores, browser } = await registeredBrowser(server());
    const older = await browser.challenge();
    const c = await browser.challenge();
    const before = await snapshot(stores);
    expectError(await browser.login({ sid: c.sid, signature: make(c.message, older.message) }), 401, 'signature_invalid');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: before.challenges - 1 });
    expect(await browser.whoami()).toBeUndefined();
    expectError(await browser.login({ sid: c.sid, signature: c.signature }), 401, 'challenge_not_found');
  });
});

describe('equivalent encodings of a valid signature sign in', () => {
  test.each([
    ['v = 0/1 for 27/28', (signature: string) => `${signature.slice(0, 130)}0${parseInt(signature.slice(130), 16) - 27}`],
    ['upper-case hex digits', (signature: string) => `0x${signature.slice(2).toUpperCase()}`],
  ])('%s', async (_name, encode) => {
    const { browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    expect((await browser.login({ sid: c.sid, signature: encode(c.signature) })).status).toBe(200);
    expect(await browser.whoami()).toBe(ADDRESS);
  });
});
