import { Wallet } from 'ethers';
import { Web3 } from 'web3';
import {
  createChallengeMessage, parseSignature, privateKeyToAddress, verifyChallenge, verifyChallengeMessage, ChallengeError, type VerifyChallengeParameters,
} from './index';

const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const OTHER_KEY = `0x${'11'.repeat(32)}`;
const ADDRESS = privateKeyToAddress(KEY);
const T0 = Date.UTC(2026, 0, 1);
const TTL = 300_000;
const challenge = { sid: 'Sid0123456789abcdefABCDEF', timestamp: T0 };
const site = { domain: 'app.example.com', uri: 'https://app.example.com', chainId: 1 };

/** An EIP-191 signature by ethers: a signer independent of the code under test. */
const signText = (message: string, key: string): string => new Wallet(key).signMessageSync(message);

function siwe(overrides: { address?: string; domain?: string; uri?: string; chainId?: number; sid?: string; timestamp?: number } = {}): string {
  return createChallengeMessage({
    format: 'siwe', challenge: { sid: overrides.sid ?? challenge.sid, timestamp: overrides.timestamp ?? challenge.timestamp },
    domain: overrides.domain ?? site.domain, uri: overrides.uri ?? site.uri, chainId: overrides.chainId ?? site.chainId,
    address: overrides.address, expiresAt: (overrides.timestamp ?? challenge.timestamp) + TTL, statement: 'Sign in.',
  });
}

function verify(message: string, extra: Partial<VerifyChallengeParameters> = {}, key = KEY) {
  return verifyChallenge({ challenge, message, signature: signText(message, key), now: T0 + 1000, ttlMs: TTL, skewMs: 5000, ...site, ...extra });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChallengeError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('verifyChallenge', () => {
  test('returns the checksummed signer of a fresh siwe message naming it', () => {
    expect(verify(siwe({ address: ADDRESS }))).toEqual({ address: ADDRESS, format: 'siwe' });
  });

  test('with the zero address in the message, any signer is returned', () => {
    expect(verify(siwe(), {}, OTHER_KEY).address).toBe(privateKeyToAddress(OTHER_KEY));
  });

  test('a signature by another key than the message names is invalid', () => {
    expect(codeOf(() => verify(siwe({ address: ADDRESS }), {}, OTHER_KEY))).toBe('signature_invalid');
  });

  test('the JSON form signed as older tooling does (web3.utils.toHex of the text) verifies', () => {
    const web3 = new Web3();
    const message = createChallengeMessage({ format: 'json', challenge });
    const signature = web3.eth.accounts.sign(web3.utils.toHex(message), KEY).signature;
    expect(verifyChallenge({ challenge, message, signature, now: T0, ttlMs: TTL, ...site })).toEqual({ address: ADDRESS, format: 'json' });
  });

  describe('freshness on the verifier clock', () => {
    const message = siwe({ address: ADDRESS });
    test.each([
      ['at issue time', T0, 'ok'],
      ['1 ms before expiry', T0 + TTL - 1, 'ok'],
      ['at expiry', T0 + TTL, 'challenge_expired'],
      ['long after', T0 + 10 * TTL, 'challenge_expired'],
      ['issued just inside the skew allowance in the future', T0 - 5000, 'ok'],
      ['issued just outside the skew allowance in the future', T0 - 5001, 'challenge_not_yet_valid'],
    ])('%s', (_name, now, expected) => {
      expect(codeOf(() => verify(message, { now }))).toBe(expected);
    });

    test('without a skew allowance a challenge 1 ms in the future is refused', () => {
      expect(codeOf(() => verify(message, { now: T0 - 1, skewMs: 0 }))).toBe('challenge_not_yet_valid');
    });
  });

  test.each([
    ['another domain', { domain: 'evil.example' }],
    ['another URI', { uri: 'https://evil.example' }],
    ['another chain', { chainId: 5 }],
    ['another nonce', { sid: 'Other0123456789abcdefABCD' }],
    ['another issue time', { timestamp: T0 + 1 }],
  ])('a message for %s (validly signed) is a mismatch', (_name, override) => {
    expect(codeOf(() => verify(siwe({ address: ADDRESS, ...override })))).toBe('message_mismatch');
  });

  test('the signature format is checked first', () => {
    const message = siwe({ address: ADDRESS });
    expect(codeOf(() => verifyChallenge({ challenge, message, signature: '0x1234', now: T0 + 10 * TTL, ttlMs: TTL, ...site }))).toBe('signature_malformed');
  });

  test('a malformed message is refused', () => {
    expect(codeOf(() => verify('hello'))).toBe('message_malformed');
  });
});

describe('verifyChallenge with a signature parseSignature decoded already', () => {
  const message = siwe({ address: ADDRESS });
  const base = { challenge, message, now: T0 + 1000, ttlMs: TTL, ...site };

  test('verifies as the text does, without decoding it again', () => {
    const signature = signText(message, KEY);
    expect(verifyChallenge({ ...base, signature: parseSignature(signature) })).toEqual(verifyChallenge({ ...base, signature }));
  });

  test('is held to the same ranges (EIP-2 low s; 1 ≤ r < n)', () => {
    const parsed = parseSignature(signText(message, KEY));
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    expect(codeOf(() => verifyChallenge({ ...base, signature: { ...parsed, s: n - parsed.s, yParity: parsed.yParity === 0 ? 1 : 0 } }))).toBe('signature_malformed');
    expect(codeOf(() => verifyChallenge({ ...base, signature: { ...parsed, r: 0n } }))).toBe('signature_malformed');
    expect(codeOf(() => verifyChallenge({ ...base, signature: { ...parsed, r: n } }))).toBe('signature_malformed');
  });

  test('an object that is not a decoded signature is malformed', () => {
    const parsed = parseSignature(signText(message, KEY));
    expect(codeOf(() => verifyChallenge({ ...base, signature: { ...parsed, yParity: 2 } }))).toBe('signature_malformed');
    expect(codeOf(() => verifyChallenge({ ...base, signature: { r: String(parsed.r), s: String(parsed.s), yParity: 0 } }))).toBe('signature_malformed');
  });
});

describe('verifyChallengeMessage: the checks before the signature', () => {
  const base = { challenge, now: T0 + 1000, ttlMs: TTL, skewMs: 5000, ...site };

  test('returns the signer an EIP-4361 message names, and its chain', () => {
    expect(verifyChallengeMessage({ ...base, message: siwe({ address: ADDRESS }) })).toEqual({ format: 'siwe', expectedSigner: ADDRESS, chainId: 1 });
  });

  test('names no signer for the zero address, nor for the JSON form', () => {
    expect(verifyChallengeMessage({ ...base, message: siwe() })).toEqual({ format: 'siwe', chainId: 1 });
    expect(verifyChallengeMessage({ ...base, message: createChallengeMessage({ format: 'json', challenge }) })).toEqual({ format: 'json' });
  });

  test.each([
    ['an expired challenge', { now: T0 + TTL }, siwe({ address: ADDRESS }), 'challenge_expired'],
    ['a challenge from the future', { now: T0 - 5001 }, siwe({ address: ADDRESS }), 'challenge_not_yet_valid'],
    ['another domain', {}, siwe({ address: ADDRESS, domain: 'evil.example' }), 'message_mismatch'],
    ['another chain', {}, siwe({ address: ADDRESS, chainId: 8453 }), 'message_mismatch'],
    ['another nonce', {}, siwe({ address: ADDRESS, sid: 'Other0123456789abcdefABCD' }), 'message_mismatch'],
    ['a malformed message', {}, 'hello', 'message_malformed'],
  ])('refuses %s as verifyChallenge does', (_name, change, message, code) => {
    expect(codeOf(() => verifyChallengeMessage({ ...base, ...change, message }))).toBe(code);
    expect(codeOf(() => verifyChallenge({ ...base, ...change, message, signature: signText(message, KEY) }))).toBe(code);
  });
});

describe('verifyChallengeMessage with what the verifier rendered (no second parse)', () => {
  const ZERO = '0x0000000000000000000000000000000000000000';
  /** The answer or the error code of a call. */
  const outcome = (fn: () => unknown) => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ChallengeError) return error.code;
      throw error;
    }
  };

  test.each([
    ['as issued', {}, {}],
    ['another domain asked', {}, { domain: 'evil.example' }],
    ['another URI asked', {}, { uri: 'https://evil.example' }],
    ['another chain asked', {}, { chainId: 8453 }],
    ['past the expiration time', {}, { now: T0 + TTL }],
    ['issued in the future', {}, { now: T0 - 10_000 }],
    ['naming an address', { address: ADDRESS }, {}],
    ['naming the zero address', { address: ZERO }, {}],
    ['issued for another domain', { domain: 'other.example' }, {}],
  ])('%s: the same answer as parsing it', (_name, issued: { address?: string; domain?: string }, asked: { domain?: string; uri?: string; chainId?: number; now?: number }) => {
    const message = siwe(issued);
    const base = { challenge, message, now: asked.now ?? T0 + 1000, ttlMs: TTL, skewMs: 5000, ...site, ...asked };
    const rendered = {
      format: 'siwe' as const, domain: issued.domain ?? site.domain, uri: site.uri, chainId: site.chainId,
      address: issued.address ?? ZERO, expiresAt: T0 + TTL,
    };
    const parsed = outcome(() => verifyChallengeMessage(base));
    expect(outcome(() => verifyChallengeMessage({ ...base, rendered }))).toEqual(parsed);
  });

  test('the rendered fields are what is checked: the text is not read again', () => {
    // A text that would not parse at all: with `rendered` it is never parsed.
    const base = { challenge, message: 'not a challenge message', now: T0 + 1000, ttlMs: TTL, ...site };
    expect(outcome(() => verifyChallengeMessage(base))).toBe('message_malformed');
    const rendered = { format: 'siwe' as const, ...site, address: ADDRESS, expiresAt: T0 + TTL };
    expect(verifyChallengeMessage({ ...base, rendered })).toEqual({ format: 'siwe', chainId: 1, expectedSigner: ADDRESS });
    expect(verifyChallengeMessage({ ...base, rendered: { format: 'json' } })).toEqual({ format: 'json' });
  });

  test('verifyChallenge with rendered: the signer is still recovered from the signature and held to the named address', () => {
    const message = siwe({ address: ADDRESS });
    const rendered = { format: 'siwe' as const, ...site, address: ADDRESS, expiresAt: T0 + TTL };
    expect(verify(message, { rendered }).address).toBe(ADDRESS);
    expect(codeOf(() => verify(message, { rendered }, OTHER_KEY))).toBe('signature_invalid');
  });
});
