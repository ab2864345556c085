// Properties of the signature decoder and recovery (fast-check): parseSignature agrees with an
// independent model of the format rules on every 65-byte input, throws nothing but
// ChallengeError('signature_malformed') on any value, and is one-to-one up to the documented
// equivalences (hex case; v 0/1 for 27/28); no mutation of a valid signature recovers its signer.

import fc from 'fast-check';
import { Wallet } from 'ethers';
import { secp256k1 } from '@noble/curves/secp256k1';
import { bytesToHex } from '@noble/hashes/utils';
import { ChallengeError, parseSignature, privateKeyToAddress, recoverMessageAddress, type ParsedSignature } from './index';

const N = secp256k1.CURVE.n;
const HALF_N = N / 2n;
const hex64 = (value: bigint): string => value.toString(16).padStart(64, '0');

/** An EIP-191 signature by ethers: a signer independent of the code under test. */
const signText = (message: string, key: string): string => new Wallet(key).signMessageSync(message);

/** The format rules, restated from EIP-2 and the yellow paper rather than from the code. */
function model(text: string): ParsedSignature | undefined {
  if (!/^0x[0-9a-fA-F]{130}$/.test(text)) return undefined;
  const r = BigInt(`0x${text.slice(2, 66)}`);
  const s = BigInt(`0x${text.slice(66, 130)}`);
  const v = Number.parseInt(text.slice(130), 16);
  const valid = r >= 1n && r < N && s >= 1n && s <= HALF_N && [0, 1, 27, 28].includes(v);
  return valid ? { r, s, yParity: (v % 27 === 0 ? 0 : 1) as 0 | 1 } : undefined;
}

/** parseSignature's answer: the decoded parts, or undefined for signature_malformed; any other throw fails. */
function decode(value: unknown): ParsedSignature | undefined {
  try {
    return parseSignature(value);
  } catch (error) {
    if (error instanceof ChallengeError && error.code === 'signature_malformed') return undefined;
    throw new Error(`parseSignature threw something else: ${String(error)}`, { cause: error });
  }
}

/** Scalars near the boundaries the rules draw (0, 1, n/2, n, 2^256 − 1) and anywhere else. */
const scalar = fc.oneof(
  fc.constantFrom(0n, 1n, 2n, HALF_N - 1n, HALF_N, HALF_N + 1n, N - 1n, N, N + 1n, (1n << 256n) - 1n),
  fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  fc.bigInt({ min: 1n, max: HALF_N }),
);
const vByte = fc.oneof(fc.constantFrom(0, 1, 2, 26, 27, 28, 29, 37, 38, 255), fc.integer({ min: 0, max: 255 }));
const signatureText = fc
  .tuple(scalar, scalar, vByte, fc.boolean())
  .map(([r, s, v, upper]) => {
    const digits = `${hex64(r)}${hex64(s)}${v.toString(16).padStart(2, '0')}`;
    return `0x${upper ? digits.toUpperCase() : digits}`;
  });

const KEYS = ['0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318', `0x${'42'.repeat(32)}`];

describe('parseSignature', () => {
  test('agrees with the model on 65-byte hex inputs near and away from every boundary', () => {
    fc.assert(
      fc.property(signatureText, (text) => {
        expect(decode(text)).toEqual(model(text));
      }),
      { numRuns: 2000 },
    );
  });

  test('throws nothing but ChallengeError signature_malformed, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.string({ unit: 'binary', maxLength: 200 }), fc.stringMatching(/^(0x)?[0-9a-fA-F]{0,140}$/), signatureText.map((t) => `${t}${'\u0000'}`)),
        (value) => {
          const parsed = decode(value);
          if (parsed !== undefined) expect(typeof value === 'string' && model(value)).toEqual(parsed);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('is one-to-one up to hex case and v 0/1 ↔ 27/28: two texts that decode alike are the same signature', () => {
    const canonical = (text: string): string => {
      const lower = text.toLowerCase();
      const v = Number.parseInt(lower.slice(130), 16);
      return `${lower.slice(0, 130)}${(v < 27 ? v + 27 : v).toString(16)}`;
    };
    const hexDigit = fc.constantFrom(...'0123456789abcdefABCDEF');
    // b is a with one digit replaced, or with its v written the other way (0/1 for 27/28 or back).
    const variant = fc.oneof(
      fc.tuple(fc.integer({ min: 2, max: 131 }), hexDigit).map(([at, digit]) => (a: string) => `${a.slice(0, at)}${digit}${a.slice(at + 1)}`),
      fc.constant((a: string) => {
        const v = Number.parseInt(a.slice(130), 16);
        return `${a.slice(0, 130)}${(v >= 27 ? v - 27 : v + 27).toString(16).padStart(2, '0')}`;
      }),
    );
    fc.assert(
      fc.property(signatureText.filter((text) => model(text) !== undefined), variant, (a, change) => {
        const b = change(a);
        const [pa, pb] = [decode(a), decode(b)];
        expect(pa).toBeDefined();
        if (pb !== undefined && pb.r === pa?.r && pb.s === pa.s && pb.yParity === pa.yParity) expect(canonical(b)).toBe(canonical(a));
        else expect(canonical(b)).not.toBe(canonical(a));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('recoverMessageAddress', () => {
  test('a real signature recovers its signer; flipping any one of its 520 bits never does', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 519 }), (message, key, bit) => {
        const signer = privateKeyToAddress(key);
        const signature = signText(message, key);
        expect(recoverMessageAddress({ message, signature })).toBe(signer);
        const bytes = Uint8Array.from(Buffer.from(signature.slice(2), 'hex'));
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const mutated = `0x${bytesToHex(bytes)}`;
        try {
          expect(recoverMessageAddress({ message, signature: mutated })).not.toBe(signer);
        } catch (error) {
          expect(error).toBeInstanceOf(ChallengeError);
          expect(['signature_malformed', 'signature_invalid']).toContain((error as ChallengeError).code);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('on well-formed signatures by no one, returns an address or throws signature_invalid, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), signatureText.filter((text) => model(text) !== undefined), (message, signature) => {
        try {
          expect(recoverMessageAddress({ message, signature })).toMatch(/^0x[0-9a-fA-F]{40}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(ChallengeError);
          expect((error as ChallengeError).code).toBe('signature_invalid');
        }
      }),
      { numRuns: 300 },
    );
  });
});
