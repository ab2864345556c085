// Private keys: their canonical form, and the address they sign as. Pure (noble), so node, the
// browser and tests all derive addresses the same way; signing itself is done by the signers
// (the SDK and the page's development key), not by this library.

import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { toChecksumAddress } from './address';
import { ChallengeError } from './errors';

/**
 * `0x` + 64 lowercase hex digits, or ChallengeError `invalid_parameter` (the key itself is never
 * echoed). Surrounding whitespace and a 0x prefix are optional; the zero key is refused.
 */
export function normalizePrivateKey(privateKey: string): string {
  const hex = typeof privateKey === 'string' ? privateKey.trim().replace(/^0x/i, '') : '';
  if (!/^[0-9a-fA-F]{64}$/.test(hex) || /^0+$/.test(hex)) {
    throw new ChallengeError('invalid_parameter', 'private key must be 64 hex digits (32 bytes), with or without 0x');
  }
  return `0x${hex.toLowerCase()}`;
}

/**
 * The EIP-55 address of a private key: the last 20 bytes of the Keccak-256 hash of its
 * uncompressed public key without its 0x04 prefix (Ethereum Yellow Paper, Appendix F).
 * Throws `invalid_parameter` for a key that is not 32 bytes of hex, or not below the curve order.
 */
export function privateKeyToAddress(privateKey: string): string {
  const key = hexToBytes(normalizePrivateKey(privateKey).slice(2));
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.getPublicKey(key, false);
  } catch (cause) {
    throw new ChallengeError('invalid_parameter', 'private key is not a valid secp256k1 key', { cause });
  }
  return toChecksumAddress(`0x${bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12))}`);
}
