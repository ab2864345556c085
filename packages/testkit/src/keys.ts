// Test keys (never real ones) and signing with them as a wallet would: EIP-191 personal_sign
// through web3.js's `accounts.sign`, the same function the SDK and the page's developer mode use.

import { privateKeyToAddress as web3PrivateKeyToAddress, sign } from 'web3-eth-accounts';

/** Test private keys; the first is web3.js's documentation example key. */
export const TEST_KEYS = {
  alice: '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  bob: `0x${'42'.repeat(32)}`,
  carol: `0x${'7a'.repeat(32)}`,
} as const;

/** The test key most suites sign with (TEST_KEYS.alice). */
export const TEST_KEY: string = TEST_KEYS.alice;

export interface SignMessageParameters {
  /** The exact text to sign (UTF-8). */
  message: string;
  /** secp256k1 private key: 0x + 64 hex digits. */
  privateKey: string;
}

/**
 * Signs `message` per EIP-191 and returns the 65-byte signature as 0x-hex (v = 27/28). The text is
 * hex-encoded first: web3's sign treats a hex-looking string as bytes.
 */
export function signMessage({ message, privateKey }: SignMessageParameters): string {
  return sign(`0x${Buffer.from(message, 'utf8').toString('hex')}`, privateKey).signature;
}

/** The EIP-55 address of a private key. */
export function privateKeyToAddress(privateKey: string): string {
  return web3PrivateKeyToAddress(privateKey);
}
