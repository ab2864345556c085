// The check a signer makes before signing an issued challenge: each rule refuses with its code,
// the first failing rule wins, and what a well-behaved server issues passes.

import {
  ChallengeError,
  createChallengeMessage,
  createJsonChallengeMessage,
  privateKeyToAddress,
  verifyIssuedChallenge,
  ZERO_ADDRESS,
  type VerifyIssuedChallengeParameters,
} from './index';

const SID = 'Sid0123456789abcdefABCDEF';
const ALICE = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
const BOB = privateKeyToAddress(`0x${'11'.repeat(32)}`);
const T0 = Date.UTC(2026, 0, 1);

function siwe({ domain = 'app.example.com', address, sid = SID }: { domain?: string; address?: string; sid?: string } = {}): string {
  return createChallengeMessage({
    format: 'siwe', challenge: { sid, timestamp: T0 }, domain, uri: `https://${domain}`, chainId: 1, address, expiresAt: T0 + 300_000,
  });
}

const base: VerifyIssuedChallengeParameters = { message: siwe({ address: ALICE }), sid: SID, domain: 'app.example.com', address: ALICE };

function failure(parameters: Partial<VerifyIssuedChallengeParameters>): { code: string; message: string } {
  try {
    verifyIssuedChallenge({ ...base, ...parameters });
  } catch (error) {
    if (error instanceof ChallengeError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected verifyIssuedChallenge to throw');
}

describe('accepts', () => {
  test('an EIP-4361 message for this domain, sid and signer, and returns it parsed', () => {
    const parsed = verifyIssuedChallenge(base);
    expect(parsed).toMatchObject({ format: 'siwe', challenge: { sid: SID, timestamp: T0 }, fields: { domain: 'app.example.com', address: ALICE } });
  });

  test('a message naming the zero address, which any signer may sign', () => {
    expect(verifyIssuedChallenge({ ...base, message: siwe({ address: ZERO_ADDRESS }) }).format).toBe('siwe');
  });

  test('any named address when the signer is not known yet (address null)', () => {
    expect(verifyIssuedChallenge({ ...base, message: siwe({ address: BOB }), address: null }).format).toBe('siwe');
  });

  test('the expected address in lower case, compared by its checksum form', () => {
    expect(verifyIssuedChallenge({ ...base, address: ALICE.toLowerCase() }).format).toBe('siwe');
  });

  test('the JSON form with the right sid, which names no domain or signer', () => {
    const message = createJsonChallengeMessage({ sid: SID, timestamp: T0 });
    expect(verifyIssuedChallenge({ ...base, message, domain: 'elsewhere.example', address: BOB })).toEqual({ format: 'json', challenge: { sid: SID, timestamp: T0 } });
  });

  test('a domain with a port, matched exactly', () => {
    expect(verifyIssuedChallenge({ ...base, message: siwe({ domain: 'localhost:8080' }), domain: 'localhost:8080' }).format).toBe('siwe');
  });
});

describe('refuses', () => {
  test('text that is not a challenge message: message_malformed, with the parser saying why', () => {
    expect(failure({ message: 'please sign this' })).toEqual({ code: 'message_malformed', message: expect.stringMatching(/first line/) });
    expect(failure({ message: base.message.replace(/\n/g, '\r\n') }).code).toBe('message_malformed');
  });

  test('a message for another sid: message_mismatch, in both formats', () => {
    expect(failure({ sid: 'OtherSid0123456789abcdef' })).toEqual({ code: 'message_mismatch', message: 'the challenge message is for another sid' });
    const json = createJsonChallengeMessage({ sid: SID, timestamp: T0 });
    expect(failure({ message: json, sid: 'OtherSid0123456789abcdef' }).code).toBe('message_mismatch');
  });

  test('a message for another domain: domain_mismatch, naming both', () => {
    expect(failure({ message: siwe({ domain: 'evil.example', address: ALICE }) })).toEqual({
      code: 'domain_mismatch',
      message: 'the challenge message is for evil.example, not app.example.com',
    });
    // A port is part of the domain (EIP-4361 §Message Format: authority = host [":" port]).
    expect(failure({ message: siwe({ domain: 'app.example.com:8443', address: ALICE }) }).code).toBe('domain_mismatch');
  });

  test('a message naming another signer: message_mismatch', () => {
    expect(failure({ message: siwe({ address: BOB }) })).toEqual({ code: 'message_mismatch', message: 'the challenge message names another address' });
  });

  test('an expected address that is not an address: invalid_parameter', () => {
    expect(failure({ address: '' }).code).toBe('invalid_parameter');
    expect(failure({ address: 'not an address' }).code).toBe('invalid_parameter');
  });

  test('on the first failing check: a wrong sid is reported before a wrong domain or signer', () => {
    const message = siwe({ domain: 'evil.example', address: BOB, sid: 'OtherSid0123456789abcdef' });
    expect(failure({ message }).code).toBe('message_mismatch');
    expect(failure({ message: siwe({ domain: 'evil.example', address: BOB }) }).code).toBe('domain_mismatch');
  });
});
