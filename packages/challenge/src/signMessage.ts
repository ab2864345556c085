// Signing with a private key through web3.js (`web3.eth.accounts.sign`), for the SPA's
// development key, the node SDK and tests. Wallets sign with EIP-1193 personal_sign instead.

import { privateKeyToAddress as web3PrivateKeyToAddress, sign } from 'web3-eth-accounts';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { ChallengeError } from './errors';

export interface SignMessageParameters {
  /** The exact text to sign (UTF-8). */
  message: string;
  /** secp256k1 private key: 64 hex digits, with or without 0x. */
  privateKey: string;
}

/**
 * Signs `message` per EIP-191 and returns the 65-byte signature as 0x-hex (v = 27/28).
 * The text is hex-encoded first: web3's sign treats a hex-looking string as bytes, so a message
 * that happened to look like hex would otherwise be signed as something else.
 */
export function signMessage({ message, privateKey }: SignMessageParameters): string {
  return sign(`0x${bytesToHex(utf8ToBytes(message))}`, normalizePrivateKey(privateKey)).signature;
}

/** The EIP-55 address of a private key. */
export function privateKeyToAddress(privateKey: string): string {
  return web3PrivateKeyToAddress(normalizePrivateKey(privateKey));
}

/** `0x` + 64 lowercase hex digits, or `invalid_parameter` (the key itself is never echoed). */
export function normalizePrivateKey(privateKey: string): string {
  const hex = typeof privateKey === 'string' ? privateKey.trim().replace(/^0x/i, '') : '';
  if (!/^[0-9a-fA-F]{64}$/.test(hex) || /^0+$/.test(hex)) {
    throw new ChallengeError('invalid_parameter', 'private key must be 64 hex digits (32 bytes), with or without 0x');
  }
  return `0x${hex.toLowerCase()}`;
}
