// Verifying a signed challenge: freshness on the verifier's clock, the message matching the
// challenge and the expected site, then signature recovery. Returns the signer or throws.
//
// verifyChallengeMessage is the first half alone (no signature): it returns the signer the
// message names, for a verifier that decides the signature another way (a contract wallet's
// ERC-1271 signature, checked on the chain: a contract cannot be recovered from a signature).
//
// A verifier checking the very text it issued (and stored) may pass what it rendered that text
// from (`rendered`) instead of having it parsed again: the same checks run on those fields, with
// the same errors, and the message is not parsed a second time.

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
  /**
   * What `message` was rendered from, when it is the verifier's own issued text, unchanged: then
   * these fields are checked, and the message is not parsed again. Only for text the verifier
   * rendered itself with createChallengeMessage from `challenge` and these values.
   * @default undefined: the message is parsed
   */
  rendered?: RenderedChallenge;
}

/** The fields createChallengeMessage rendered an issued message from (besides the challenge's sid and timestamp). */
export type RenderedChallenge =
  | { format: 'json' }
  | {
      format: 'siwe';
      domain: string;
      uri: string;
      chainId: number;
      /** The address it names (EIP-55), or the zero address: any signer. */
      address: string;
      /** Its Expiration Time, ms since the epoch. */
      expiresAt: number;
    };

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
  const { challenge, message, now, ttlMs, skewMs = 0 } = parameters;

  if (challenge.timestamp > now + skewMs) fail('challenge_not_yet_valid', 'challenge is issued in the future');
  if (now >= challenge.timestamp + ttlMs) fail('challenge_expired', 'challenge has expired');

  const { rendered } = parameters;
  if (rendered !== undefined) {
    if (rendered.format === 'json') return { format: 'json' };
    return checkSite(parameters, {
      domain: rendered.domain, uri: rendered.uri, chainId: rendered.chainId, address: rendered.address,
      expiresAt: rendered.expiresAt, notBefore: undefined,
    });
  }

  const parsed = parseChallengeMessage(message);
  if (parsed.challenge.sid !== challenge.sid) fail('message_mismatch', 'message nonce is not the challenge sid');
  if (parsed.challenge.timestamp !== challenge.timestamp) fail('message_mismatch', 'message time is not the challenge timestamp');

  if (parsed.format === 'siwe') {
    const { fields } = parsed;
    return checkSite(parameters, {
      domain: fields.domain, uri: fields.uri, chainId: fields.chainId, address: fields.address,
      expiresAt: fields.expirationTime === undefined ? undefined : parseRfc3339(fields.expirationTime),
      notBefore: fields.notBefore === undefined ? undefined : parseRfc3339(fields.notBefore),
    });
  }
  return { format: 'json' };
}

/** An EIP-4361 message's site, chain and validity window against the verifier's (parsed or as rendered). */
function checkSite(
  parameters: VerifyChallengeMessageParameters,
  fields: { domain: string; uri: string; chainId: number; address: string; expiresAt: number | undefined; notBefore: number | undefined },
): VerifiedChallengeMessage {
  const { now, skewMs = 0 } = parameters;
  if (fields.domain !== parameters.domain) fail('message_mismatch', 'message domain is not this site');
  if (parameters.uri !== undefined && fields.uri !== parameters.uri) fail('message_mismatch', 'message URI is not this site');
  if (parameters.chainId !== undefined && fields.chainId !== parameters.chainId) fail('message_mismatch', 'message chain id is not this site');
  // EIP-4361 §Verifying: expiration-time and not-before, when present, are enforced too.
  if (fields.expiresAt !== undefined && now >= fields.expiresAt) fail('challenge_expired', 'message has expired');
  if (fields.notBefore !== undefined && now + skewMs < fields.notBefore) fail('challenge_not_yet_valid', 'message is not valid yet');
  return { format: 'siwe', chainId: fields.chainId, ...(fields.address !== ZERO_ADDRESS ? { expectedSigner: fields.address } : {}) };
}

function fail(code: ChallengeError['code'], message: string): never {
  throw new ChallengeError(code, message);
}
