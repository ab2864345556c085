// Signature checks: a strict format check of the 65-byte signature first, then EIP-191
// ("\x19Ethereum Signed Message:\n" + length) Keccak-256 recovery of the signer's address.

import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils';
import { toChecksumAddress, ZERO_ADDRESS } from './address';
import { ChallengeError } from './errors';

const N = secp256k1.CURVE.n;
const HALF_N = N >> 1n;

/** A signature's components after the format check. */
export interface ParsedSignature {
  r: bigint;
  s: bigint;
  /** 0 or 1 (from v = 27/28, or 0/1 given directly). */
  yParity: 0 | 1;
}

/**
 * Decodes a signature strictly: `0x` + 130 hex digits (r ‖ s ‖ v), nothing before or after;
 * v ∈ {27, 28} (0 and 1 accepted as the same); 1 ≤ r < n; 1 ≤ s ≤ n/2 (EIP-2 low s, so a
 * signature has one form only). Throws ChallengeError `signature_malformed`.
 */
export function parseSignature(signature: unknown): ParsedSignature {
  if (typeof signature !== 'string') malformed('signature must be a string');
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) malformed('signature must be 0x followed by 130 hex digits (65 bytes)');
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130, 132), 16);
  checkRanges(r, s);
  let yParity: 0 | 1;
  if (v === 27 || v === 0) yParity = 0;
  else if (v === 28 || v === 1) yParity = 1;
  else malformed('signature v must be 27 or 28');
  return { r, s, yParity };
}

function checkRanges(r: bigint, s: bigint): void {
  if (r === 0n || r >= N) malformed('signature r is out of range');
  if (s === 0n || s >= N) malformed('signature s is out of range');
  if (s > HALF_N) malformed('signature s is in the upper half of the curve order (EIP-2 requires low s)');
}

/**
 * Decodes a 65-byte signature as Ethereum's ecrecover takes it (v 27/28, or 0/1; 1 ≤ r, s < n;
 * s in either half), in its low-s form: the high-s twin of a signature recovers to the same key.
 * For asking whose key made a signature, never for accepting one (parseSignature is strict).
 * Undefined when it is not such a signature.
 */
export function parseSignatureLenient(signature: string): ParsedSignature | undefined {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined;
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  let s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130, 132), 16);
  if (r === 0n || r >= N || s === 0n || s >= N) return undefined;
  let yParity: 0 | 1;
  if (v === 27 || v === 0) yParity = 0;
  else if (v === 28 || v === 1) yParity = 1;
  else return undefined;
  if (s > HALF_N) {
    s = N - s;
    yParity = yParity === 0 ? 1 : 0;
  }
  return { r, s, yParity };
}

/** True when `value` has a ParsedSignature's shape (what parseSignature returns). */
export function isParsedSignature(value: unknown): value is ParsedSignature {
  if (typeof value !== 'object' || value === null) return false;
  const { r, s, yParity } = value as Record<string, unknown>;
  return typeof r === 'bigint' && typeof s === 'bigint' && (yParity === 0 || yParity === 1);
}

/**
 * The range checks of parseSignature on an already decoded signature (1 ≤ r < n, 1 ≤ s ≤ n/2),
 * so a decoded signature is held to the same rules without its text decoded again. Returns it.
 */
export function checkParsedSignature(signature: ParsedSignature): ParsedSignature {
  checkRanges(signature.r, signature.s);
  return signature;
}

/** True when `signature` passes `parseSignature`. */
export function validateSignatureFormat(signature: unknown): boolean {
  try {
    parseSignature(signature);
    return true;
  } catch {
    return false;
  }
}

/** EIP-191 version 0x45 hash of a text message: keccak256("\x19Ethereum Signed Message:\n" + len + message). */
export function hashMessage(message: string | Uint8Array): Uint8Array {
  const bytes = typeof message === 'string' ? utf8ToBytes(message) : message;
  return keccak_256(concatBytes(utf8ToBytes(`\x19Ethereum Signed Message:\n${bytes.length}`), bytes));
}

/**
 * Recovers the EIP-55 address that signed `message` (EIP-191) from a signature that has passed
 * parseSignature. Throws when no public key recovers. The default is `recoverAddressPure`; a
 * node server may pass the native one from `@wallet-login/challenge/native`, which gives the
 * same answer for every input.
 */
export type RecoverAddress = (message: string | Uint8Array, signature: ParsedSignature) => string;

export interface RecoverMessageAddressParameters {
  /** The signed text (UTF-8) or bytes. */
  message: string | Uint8Array;
  /** 65-byte signature as hex; checked by parseSignature first. */
  signature: unknown;
  /**
   * The recovery to run once the format check has passed.
   * @default recoverAddressPure
   */
  recover?: RecoverAddress;
}

/**
 * Recovers the EIP-55 address that signed `message` (EIP-191 personal_sign). Throws
 * `signature_malformed` for a bad format and `signature_invalid` when no valid key recovers
 * (or it is the zero address).
 */
export function recoverMessageAddress({ message, signature, recover }: RecoverMessageAddressParameters): string {
  return recoverParsedSignature({ message, signature: parseSignature(signature), recover });
}

/** Recovery for a signature that has passed parseSignature already (no second decode). */
export function recoverParsedSignature({ message, signature, recover = recoverAddressPure }: {
  message: string | Uint8Array;
  signature: ParsedSignature;
  recover?: RecoverAddress;
}): string {
  let address: string;
  try {
    address = recover(message, signature);
  } catch (cause) {
    throw new ChallengeError('signature_invalid', 'signature does not recover to a public key', { cause });
  }
  if (address === ZERO_ADDRESS) throw new ChallengeError('signature_invalid', 'signature recovers to the zero address');
  return address;
}

/** RecoverAddress in JavaScript (@noble/curves, @noble/hashes): runs anywhere, browsers included. */
export const recoverAddressPure: RecoverAddress = (message, { r, s, yParity }) => {
  const point = new secp256k1.Signature(r, s).addRecoveryBit(yParity).recoverPublicKey(hashMessage(message));
  // The address is the last 20 bytes of keccak256 of the uncompressed key without its 0x04 prefix.
  const digest = keccak_256(point.toRawBytes(false).subarray(1));
  return toChecksumAddress(`0x${bytesToHex(digest.subarray(12))}`);
};

function malformed(message: string): never {
  throw new ChallengeError('signature_malformed', message);
}
