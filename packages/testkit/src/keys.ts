// Test keys (never real ones). Tests sign with them as the SDK does (EIP-191 through web3.js's
// `accounts.sign`, the client's signMessage) and name them by address (the challenge library).

export { privateKeyToAddress } from '@wallet-login/challenge';
export { signMessage } from '@wallet-login/client';

/** Test private keys; the first is web3.js's documentation example key. */
export const TEST_KEYS = {
  alice: '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
  bob: `0x${'42'.repeat(32)}`,
  carol: `0x${'7a'.repeat(32)}`,
} as const;

/** The test key most suites sign with (TEST_KEYS.alice). */
export const TEST_KEY: string = TEST_KEYS.alice;
