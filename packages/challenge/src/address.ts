// Ethereum addresses: EIP-55 mixed-case checksums.

import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_LETTER = /[a-fA-F]/;

/** EIP-55: hex digit i is upper-cased when nibble i of keccak256(lowercase hex) is ≥ 8. */
export function toChecksumAddress(address: string): string {
  if (!HEX_ADDRESS.test(address)) throw new TypeError('not a 20-byte hex address');
  // Only letters have a case: an address of digits alone (the zero address that EIP-4361
  // challenges carry, for one) is its own checksum, and needs no hash.
  if (!HEX_LETTER.test(address.slice(2))) return address;
  const lower = address.slice(2).toLowerCase();
  const hash = bytesToHex(keccak_256(utf8ToBytes(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const char = lower[i] as string;
    out += parseInt(hash[i] as string, 16) >= 8 ? char.toUpperCase() : char;
  }
  return out;
}

/** True for an address in its exact EIP-55 form. */
export function isChecksumAddress(value: unknown): value is string {
  return typeof value === 'string' && HEX_ADDRESS.test(value) && toChecksumAddress(value) === value;
}

/**
 * Accepts an address as users type it: all-lowercase or all-uppercase hex (no checksum to check),
 * or mixed case that must be a valid EIP-55 checksum. Returns the checksummed form or undefined.
 */
export function normalizeAddress(value: unknown): string | undefined {
  if (typeof value !== 'string' || !HEX_ADDRESS.test(value)) return undefined;
  const checksummed = toChecksumAddress(value);
  const digits = value.slice(2);
  const singleCase = digits === digits.toLowerCase() || digits === digits.toUpperCase();
  return singleCase || checksummed === value ? checksummed : undefined;
}
