import { Wallet } from 'ethers';
import { Web3 } from 'web3';
import { secp256k1 } from '@noble/curves/secp256k1';
import { bytesToHex } from '@noble/hashes/utils';
import { ChallengeError, hashMessage, parseSignature, parseSignatureLenient, recoverAddressPure, recoverMessageAddress, privateKeyToAddress, validateSignatureFormat } from './index';

const web3 = new Web3();
const N = secp256k1.CURVE.n;

// Published in the web3.js documentation (web3.eth.accounts.sign / privateKeyToAccount).
const DOCS_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const DOCS_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
const DOCS_SIGNATURE =
  '0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c';
const DOCS_HASH = '0x1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655';

/** An EIP-191 signature by ethers: a signer independent of the code under test. */
const signText = (message: string, key: string): string => new Wallet(key).signMessageSync(message);

function expectCode(fn: () => unknown, code: ChallengeError['code']): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ChallengeError);
    expect((error as ChallengeError).code).toBe(code);
    return;
  }
  throw new Error(`expected ChallengeError ${code}`);
}

/** The other signature of the same (r, s): s' = n − s, parity flipped (EIP-2 forbids it). */
function highSTwin(signature: string): string {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130), 16);
  return `${signature.slice(0, 66)}${(N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`;
}

describe('published vectors', () => {
  test('the web3.js docs key derives the docs address', () => {
    expect(privateKeyToAddress(DOCS_KEY)).toBe(DOCS_ADDRESS);
  });

  test('the EIP-191 hash of "Some data" is the one web3.js documents', () => {
    expect(`0x${bytesToHex(hashMessage('Some data'))}`).toBe(DOCS_HASH);
  });

  test('signing "Some data" with the docs key gives the documented signature, and it recovers', () => {
    expect(signText('Some data', DOCS_KEY)).toBe(DOCS_SIGNATURE);
    expect(recoverMessageAddress({ message: 'Some data', signature: DOCS_SIGNATURE })).toBe(DOCS_ADDRESS);
  });
});

describe('recovery agrees with web3 and ethers', () => {
  const messages = ['hello', '', 'ünïcødé ✓ 🔑', '0xdeadbeef', 'line one\nline two', 'x'.repeat(3000)];
  const keys = Array.from({ length: 4 }, (_, i) => `0x${(BigInt(i + 1) * 0x1234567890abcdefn + 7n).toString(16).padStart(64, '0')}`);

  test.each(messages)('an ethers signature over %j recovers to its signer, as web3 recovers it', (message) => {
    for (const key of keys) {
      const wallet = new Wallet(key);
      const signature = signText(message, key);
      expect(recoverMessageAddress({ message, signature })).toBe(wallet.address);
      // web3's recover treats hex-looking text as bytes, so it is given the UTF-8 bytes as hex.
      expect(web3.eth.accounts.recover(web3.utils.utf8ToHex(message), signature)).toBe(wallet.address);
    }
  });
});

describe('strict format', () => {
  const good = signText('strict', DOCS_KEY);

  test('a high-s twin is rejected although web3 recovers it to the same address', () => {
    const twin = highSTwin(good);
    expect(web3.eth.accounts.recover('strict', twin)).toBe(DOCS_ADDRESS);
    expectCode(() => recoverMessageAddress({ message: 'strict', signature: twin }), 'signature_malformed');
  });

  test('a signature with junk appended is rejected although web3 accepts it', () => {
    // web3 reads v with parseInt, which stops at the first non-hex character.
    const junk = `${good}-and-more`;
    expect(web3.eth.accounts.recover('strict', junk)).toBe(DOCS_ADDRESS);
    expectCode(() => recoverMessageAddress({ message: 'strict', signature: junk }), 'signature_malformed');
  });

  test('v of 0 and 1 are taken as 27 and 28; upper-case hex is fine', () => {
    const v = parseInt(good.slice(130), 16);
    const raw = `${good.slice(0, 130)}0${v - 27}`;
    expect(recoverMessageAddress({ message: 'strict', signature: raw })).toBe(DOCS_ADDRESS);
    expect(recoverMessageAddress({ message: 'strict', signature: `0x${good.slice(2).toUpperCase()}` })).toBe(DOCS_ADDRESS);
  });

  const r = good.slice(2, 66);
  const s = good.slice(66, 130);
  const v = good.slice(130);
  test.each([
    ['not a string', 12345],
    ['null', null],
    ['an array', [good]],
    ['missing 0x', good.slice(2)],
    ['odd length', good.slice(0, -1)],
    ['64 bytes', good.slice(0, -2)],
    ['66 bytes', `${good}1b`],
    ['empty', ''],
    ['non-hex', `${good.slice(0, -2)}zz`],
    ['whitespace', ` ${good}`],
    ['v = 29', `0x${r}${s}1d`],
    ['v = 2', `0x${r}${s}02`],
    ['v = 37 (EIP-155 style)', `0x${r}${s}25`],
    ['r zero', `0x${'0'.repeat(64)}${s}${v}`],
    ['s zero', `0x${r}${'0'.repeat(64)}${v}`],
    ['r = n', `0x${N.toString(16)}${s}${v}`],
    ['s = n', `0x${r}${N.toString(16)}${v}`],
    ['r all ones', `0x${'f'.repeat(64)}${s}${v}`],
  ])('rejects %s', (_name, signature) => {
    expect(validateSignatureFormat(signature)).toBe(false);
    expectCode(() => parseSignature(signature), 'signature_malformed');
  });

  test('s exactly n/2 is the largest accepted s', () => {
    const half = (N >> 1n).toString(16).padStart(64, '0');
    const over = ((N >> 1n) + 1n).toString(16).padStart(64, '0');
    expect(parseSignature(`0x${r}${half}${v}`).s).toBe(N >> 1n);
    expectCode(() => parseSignature(`0x${r}${over}${v}`), 'signature_malformed');
  });

  test('a well-formed signature by nobody in particular recovers a different signer, never throws elsewhere', () => {
    const tampered = `0x${r.slice(0, -1)}${r.endsWith('1') ? '2' : '1'}${s}${v}`;
    let result: string | undefined;
    try {
      result = recoverMessageAddress({ message: 'strict', signature: tampered });
    } catch (error) {
      expect((error as ChallengeError).code).toBe('signature_invalid');
    }
    if (result !== undefined) expect(result).not.toBe(DOCS_ADDRESS);
  });

  test('a different message recovers a different signer', () => {
    expect(recoverMessageAddress({ message: 'strict!', signature: good })).not.toBe(DOCS_ADDRESS);
  });
});

describe('parseSignatureLenient (whose key, as ecrecover reads it)', () => {
  const message = 'Sign in to the lenient test.';
  const signature = signText(message, DOCS_KEY);
  /** The malleable high-s twin of `sig` (s → n − s, v flipped): the same key, refused by parseSignature. */
  const twinOf = (sig: string): string => {
    const s = N - BigInt(`0x${sig.slice(66, 130)}`);
    const v = parseInt(sig.slice(130, 132), 16) === 27 ? 28 : 27;
    return `${sig.slice(0, 66)}${s.toString(16).padStart(64, '0')}${v.toString(16)}`;
  };

  test('a low-s signature reads as parseSignature reads it', () => {
    expect(parseSignatureLenient(signature)).toEqual(parseSignature(signature));
  });

  test('the high-s twin reads as its low-s form, so it recovers to the same key', () => {
    const twin = twinOf(signature);
    expect(() => parseSignature(twin)).toThrow(ChallengeError);
    expect(parseSignatureLenient(twin)).toEqual(parseSignature(signature));
    expect(recoverAddressPure(message, parseSignatureLenient(twin)!)).toBe(DOCS_ADDRESS);
  });

  test.each([
    ['v 29', `${signature.slice(0, 130)}1d`],
    ['r = 0', `0x${'0'.repeat(64)}${signature.slice(66)}`],
    ['s = n', `${signature.slice(0, 66)}${N.toString(16)}${signature.slice(130)}`],
    ['64 bytes', signature.slice(0, 130)],
    ['a trailing byte', `${signature}00`],
  ])('%s: not a signature ecrecover takes', (_name, value) => {
    expect(parseSignatureLenient(value)).toBeUndefined();
  });
});
