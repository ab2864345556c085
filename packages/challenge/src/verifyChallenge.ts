// Verifying a signed challenge: freshness on the verifier's clock, the message matching the
// challenge and the expected site, then signature recovery. Returns the signer or throws.
//
// verifyChallengeMessage is the first half alone (no signature): it returns the signer the
// message names, for a verifier that decides the signature another way (a contract wallet's
// ERC-1271 signature, checked on the chain: a contract cannot be recovered from a signature).

import { ZERO_ADDRESS } from './address';
import type { Challenge } from './createChallengeMessage';
import { ChallengeError } from './errors';
import { parseRfc3339 } from './grammar';
import { parseChallengeMessage } from './parseChallengeMessage';
import { checkParsedSignature, isParsedSignature, parseSignature, recoverParsedSignature, type RecoverAddress } from './verifySignature';

export interface VerifyChallengeMessageParameters {
  /** The challenge as the verifier issued and stored it. */
  challenge: Challenge;
  /** The exact text that was signed. */
  message: string;
  /** The verifier's current time, ms since the epoch (from its injected clock). */
  now: number;
  /** How long a challenge is valid after its timestamp, in ms. */
  ttlMs: number;
  /**
   * Allowance for clocks that run slightly apart (several servers): a challenge stamped up to this
   * far in the future is still accepted.
   * @default 0
   */
  skewMs?: number;
  /**
   * The domain an EIP-4361 message must name (EIP-4361 §Verifying: the verifier MUST check it).
   * Required, so a verifier cannot forget it; unused for the JSON form.
   */
  domain: string;
  /** When set, an EIP-4361 message's URI must equal it. */
  uri?: string;
  /** When set, an EIP-4361 message's Chain ID must equal it. */
  chainId?: number;
}

export interface VerifiedChallengeMessage {
  format: 'siwe' | 'json';
  /**
   * The address an EIP-4361 message names (EIP-55): the only signer it accepts. Undefined for the
   * zero address (any signer) and for the JSON form, which names none.
   */
  expectedSigner?: string;
  /** An EIP-4361 message's Chain ID (EIP-155); undefined for the JSON form. */
  chainId?: number;
}

export interface VerifyChallengeParameters extends VerifyChallengeMessageParameters {
  /**
   * The signature: as received, unchecked (its format is checked first), or already decoded by
   * parseSignature (its ranges are checked again, the text is not decoded twice).
   */
  signature: unknown;
  /**
   * The signer recovery, run last (e.g. the native one from `@wallet-login/challenge/native`).
   * @default recoverAddressPure
   */
  recover?: RecoverAddress;
}

export interface VerifiedChallenge {
  /** The signer, EIP-55 checksummed. */
  address: string;
  format: 'siwe' | 'json';
}

/**
 * Verifies `signature` over `message` for `challenge`. Throws ChallengeError with code
 * signature_malformed, challenge_not_yet_valid, challenge_expired, message_malformed,
 * message_mismatch or signature_invalid, on the first check that fails.
 */
export function verifyChallenge(parameters: VerifyChallengeParameters): VerifiedChallenge {
  const signature = isParsedSignature(parameters.signature) ? checkParsedSignature(parameters.signature) : parseSignature(parameters.signature);
  const { format, expectedSigner } = verifyChallengeMessage(parameters);
  const address = recoverParsedSignature({ message: parameters.message, signature, recover: parameters.recover });
  if (expectedSigner !== undefined && address !== expectedSigner) {
    fail('signature_invalid', 'signature is not by the address the message names');
  }
  return { address, format };
}

/**
 * The checks of verifyChallenge that come before the signature: freshness, the message matching
 * the challenge, and (EIP-4361) the site, chain, expiration and not-before. Returns the signer the
 * message names; throws ChallengeError challenge_not_yet_valid, challenge_expired,
 * message_malformed or message_mismatch on the first check that fails.
 */
export function verifyChallengeMessage(parameters: VerifyChallengeMessageParameters): VerifiedChallengeMessage {
  const { challenge, message, now, ttlMs, skewMs = 0, domain } = parameters;

  if (challenge.timestamp > now + skewMs) fail('challenge_not_yet_valid', 'challenge is issued in the future');
  if (now >= challenge.timestamp + ttlMs) fail('challenge_expired', 'challenge has expired');

  const parsed = parseChallengeMessage(message);
  if (parsed.challenge.sid !== challenge.sid) fail('message_mismatch', 'message nonce is not the challenge sid');
  if (parsed.challenge.timestamp !== challenge.timestamp) fail('message_mismatch', 'message time is not the challenge timestamp');

  if (parsed.format === 'siwe') {
    const { fields } = parsed;
    if (fields.domain !== domain) fail('message_mismatch', 'message domain is not this site');
    if (parameters.uri !== undefined && fields.uri !== parameters.uri) fail('message_mismatch', 'message URI is not this site');
    if (parameters.chainId !== undefined && fields.chainId !== parameters.chainId) fail('message_mismatch', 'message chain id is not this site');
    // EIP-4361 §Verifying: expiration-time and not-before, when present, are enforced too.
    if (fields.expirationTime !== undefined && now >= parseRfc3339(fields.expirationTime)) fail('challenge_expired', 'message has expired');
    if (fields.notBefore !== undefined && now + skewMs < parseRfc3339(fields.notBefore)) fail('challenge_not_yet_valid', 'message is not valid yet');
    return { format: 'siwe', chainId: fields.chainId, ...(fields.address !== ZERO_ADDRESS ? { expectedSigner: fields.address } : {}) };
  }
  return { format: 'json' };
}

function fail(code: ChallengeError['code'], message: string): never {
  throw new ChallengeError(code, message);
}
