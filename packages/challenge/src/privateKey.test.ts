// Private keys: the canonical form, and the address derived with noble, checked against the
// web3.js documentation's published pair and against ethers on many keys.

import { Wallet } from 'ethers';
import { ChallengeError, normalizePrivateKey, privateKeyToAddress } from './index';

// Published in the web3.js documentation (web3.eth.accounts.privateKeyToAccount).
const DOCS_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const DOCS_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
/** secp256k1's group order n: a key must be below it. */
const N_HEX = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChallengeError) return error.code;
    throw error;
  }
  throw new Error('expected a ChallengeError');
}

describe('privateKeyToAddress', () => {
  test('derives the address web3.js documents for its example key', () => {
    expect(privateKeyToAddress(DOCS_KEY)).toBe(DOCS_ADDRESS);
  });

  test('agrees with ethers on 50 keys, the smallest and the largest among them', () => {
    const keys = [`0x${'0'.repeat(63)}1`, `0x${(BigInt(`0x${N_HEX}`) - 1n).toString(16)}`];
    for (let i = 1; i <= 48; i++) keys.push(`0x${(BigInt(i) * 0x9e3779b97f4a7c15f39cc0605cedc834n).toString(16).padStart(64, '0').slice(-64)}`);
    for (const key of keys) expect(privateKeyToAddress(key)).toBe(new Wallet(key).address);
  });

  test('accepts a key without 0x, in upper case, with surrounding whitespace', () => {
    expect(privateKeyToAddress(DOCS_KEY.slice(2).toUpperCase())).toBe(DOCS_ADDRESS);
    expect(privateKeyToAddress(` ${DOCS_KEY}\n`)).toBe(DOCS_ADDRESS);
  });

  test.each(['', 'abc', `0x${'0'.repeat(64)}`, `0x${'g'.repeat(64)}`, DOCS_KEY.slice(0, -1), `0x${N_HEX}`, `0x${'f'.repeat(64)}`])(
    'rejects %j as invalid_parameter without echoing it',
    (key) => {
      expect(codeOf(() => privateKeyToAddress(key))).toBe('invalid_parameter');
      try {
        privateKeyToAddress(key);
      } catch (error) {
        if (key.length > 8) expect((error as Error).message).not.toContain(key.slice(2, 40));
      }
    },
  );
});

describe('normalizePrivateKey', () => {
  test('is 0x and 64 lowercase hex digits', () => {
    expect(normalizePrivateKey(DOCS_KEY.slice(2).toUpperCase())).toBe(DOCS_KEY);
    expect(normalizePrivateKey(` 0X${DOCS_KEY.slice(2)} `)).toBe(DOCS_KEY);
  });

  test.each(['', 'abc', `0x${'0'.repeat(64)}`, `0x${'g'.repeat(64)}`, `${DOCS_KEY}00`])('rejects %j', (key) => {
    expect(codeOf(() => normalizePrivateKey(key))).toBe('invalid_parameter');
  });
});
