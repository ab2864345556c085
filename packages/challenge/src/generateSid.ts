// Random single-use challenge handles (the EIP-4361 Nonce).
// EIP-4361 §ABNF: nonce = 8*( ALPHA / DIGIT ), so the alphabet is letters and digits only.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 24 symbols of a 62-letter alphabet: log2(62) × 24 ≈ 142.9 bits, above the 128-bit floor. */
export const SID_LENGTH = 24;
/** Bytes ≥ this are rejected so that `byte % 62` is uniform (248 = 4 × 62): no modulo bias. */
const REJECT_FROM = 256 - (256 % ALPHABET.length);

/** A source of cryptographically secure random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

/** `crypto.getRandomValues`, present in browsers and in Node ≥ 19 as a global. */
export const cryptoRandomBytes: RandomBytes = (length) =>
  globalThis.crypto.getRandomValues(new Uint8Array(length));

export interface GenerateSidParameters {
  /**
   * Source of random bytes; must be a CSPRNG outside tests.
   * @default crypto.getRandomValues
   */
  random?: RandomBytes;
  /**
   * Length in symbols; at least 22 (≥128 bits).
   * @default 24
   */
  length?: number;
}

/** Returns a fresh sid: `length` letters and digits drawn uniformly by rejection sampling. */
export function generateSid({ random = cryptoRandomBytes, length = SID_LENGTH }: GenerateSidParameters = {}): string {
  if (!Number.isInteger(length) || length < 22) throw new RangeError('sid length must be an integer ≥ 22 (128 bits)');
  let sid = '';
  while (sid.length < length) {
    // Ask for a little more than needed: about 3% of bytes are rejected.
    for (const byte of random(length - sid.length + 4)) {
      if (byte >= REJECT_FROM) continue;
      sid += ALPHABET[byte % ALPHABET.length];
      if (sid.length === length) break;
    }
  }
  return sid;
}

/** True when `value` has the shape of a sid this library could have issued. */
export function isSid(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9]{22,128}$/.test(value);
}
