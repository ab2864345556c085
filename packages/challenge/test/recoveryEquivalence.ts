// Test support for native.test.ts: signs a range of deterministic random (key, message) pairs and
// checks that the pure and the native recoveries give the same answer for each, and for a
// tampered copy of some. A plain module (no Jest globals) so a worker thread can run a share of
// the pairs on the second core.

import { createHash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex } from '@noble/hashes/utils';
import * as nativeSecp256k1 from 'secp256k1';
import { toChecksumAddress } from '../src/address';
import { ChallengeError } from '../src/errors';
import { createNativeRecoverAddress } from '../src/native';
import { hashMessage, recoverAddressPure, recoverMessageAddress, type RecoverAddress } from '../src/verifySignature';

/** secp256k1 group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface RecoveryComparison {
  /** Pairs signed and recovered. */
  pairs: number;
  /** Tampered signatures compared. */
  tampered: number;
  /** Tampered signatures that recovered no key at all (signature_invalid on both paths). */
  tamperedInvalid: number;
  /** One line per disagreement; empty when both paths agree everywhere. */
  mismatches: string[];
}

/** The address, or the error code, that recoverMessageAddress gives with `recover`. */
export function recoveryOutcome(message: string | Uint8Array, signature: unknown, recover: RecoverAddress): string {
  try {
    return recoverMessageAddress({ message, signature, recover });
  } catch (error) {
    if (error instanceof ChallengeError) return `error ${error.code}`;
    throw error;
  }
}

/** Deterministic bytes: SHA-256 of a label and a counter. */
export function seededBytes(label: string, i: number, length = 32): Buffer {
  const out: Buffer[] = [];
  for (let block = 0; out.length * 32 < length; block++) out.push(createHash('sha256').update(`${label}/${i}/${block}`).digest());
  return Buffer.concat(out).subarray(0, length);
}

/** Signs with libsecp256k1 (RFC 6979, low s), much faster than signing in JavaScript. */
export function signWithNative(message: string | Uint8Array, key: Uint8Array): string {
  const { signature, recid } = nativeSecp256k1.ecdsaSign(hashMessage(message), key);
  return `0x${bytesToHex(signature)}${(27 + recid).toString(16)}`;
}

/** The EIP-55 address of a key, derived without any recovery. */
export function addressOfKey(key: Uint8Array): string {
  const publicKey = nativeSecp256k1.publicKeyCreate(key, false);
  return toChecksumAddress(`0x${bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12))}`);
}

const ALPHABET = ['a', 'Z', '0', ' ', '\n', 'é', 'ß', '✓', '🔑', '\u0000', ':', '0x'];

/**
 * Pairs `from` … `to − 1`: message i is 0–255 symbols of mixed ASCII, multi-byte UTF-8 and
 * control characters, every seventh given as bytes; every `tamperEvery`-th signature is also
 * checked with r changed (usually another signer, sometimes no curve point at all).
 */
export function compareRecoveries({ from, to, tamperEvery }: { from: number; to: number; tamperEvery: number }): RecoveryComparison {
  const native = createNativeRecoverAddress();
  const result: RecoveryComparison = { pairs: 0, tampered: 0, tamperedInvalid: 0, mismatches: [] };
  for (let i = from; i < to; i++) {
    const key = seededBytes('key', i);
    const noise = seededBytes('message', i, 64);
    const length = noise[0] as number;
    let text = `pair ${i} `;
    for (let j = 0; j < length; j++) text += ALPHABET[(noise[j % 64] as number) % ALPHABET.length];
    const message: string | Uint8Array = i % 7 === 0 ? new TextEncoder().encode(text) : text;
    const signature = signWithNative(message, key);
    const expected = addressOfKey(key);
    const pure = recoveryOutcome(message, signature, recoverAddressPure);
    const fast = recoveryOutcome(message, signature, native);
    if (pure !== expected || fast !== expected) result.mismatches.push(`pair ${i}: expected ${expected}, pure ${pure}, native ${fast}`);
    result.pairs++;
    if (i % tamperEvery !== 0) continue;
    const r = BigInt(`0x${signature.slice(2, 66)}`);
    const tamperedR = ((r + BigInt((noise[1] as number) + 1)) % (N - 1n)) + 1n;
    const tampered = `0x${tamperedR.toString(16).padStart(64, '0')}${signature.slice(66)}`;
    const tamperedPure = recoveryOutcome(message, tampered, recoverAddressPure);
    const tamperedFast = recoveryOutcome(message, tampered, native);
    if (tamperedPure !== tamperedFast) result.mismatches.push(`tampered ${i}: pure ${tamperedPure}, native ${tamperedFast}`);
    if (tamperedPure === expected) result.mismatches.push(`tampered ${i} still recovers the signer`);
    if (tamperedPure === 'error signature_invalid') result.tamperedInvalid++;
    result.tampered++;
  }
  return result;
}
