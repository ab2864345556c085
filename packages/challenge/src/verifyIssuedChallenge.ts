// The signer's check of an issued challenge, made before signing it: the page and the SDK refuse
// a message that is not for this site, this request and this signer, as a wallet would.

import { normalizeAddress, ZERO_ADDRESS } from './address';
import { ChallengeError } from './errors';
import { parseChallengeMessage, type ParsedChallengeMessage } from './parseChallengeMessage';

export interface VerifyIssuedChallengeParameters {
  /** The message text the server issued, exactly as it will be signed. */
  message: string;
  /** The sid the server issued with the message (the challenge response's `sid`): the message must carry it. */
  sid: string;
  /**
   * The host[:port] of the site the signer means to sign in to, which an EIP-4361 message must
   * name. Required, so a signer cannot forget it; the JSON form names no domain and is not checked
   * against it.
   */
  domain: string;
  /**
   * The address that will sign. An EIP-4361 message must name it or the zero address (which means
   * "any signer"). `null` when the signer is not known yet (a signature pasted from elsewhere):
   * then any address is accepted, and the server checks the signer against the message.
   */
  address: string | null;
}

/**
 * Checks an issued challenge before it is signed (EIP-4361 §Security Considerations: the signer
 * checks the domain, so a server cannot obtain a signature that logs in elsewhere; and the nonce,
 * so the signature is bound to this challenge). Returns the parsed message, or throws
 * ChallengeError on the first check that fails:
 * - `message_malformed`: the text is not a well-formed challenge message;
 * - `message_mismatch`: it carries another sid, or names another signer;
 * - `domain_mismatch`: an EIP-4361 message names another domain;
 * - `invalid_parameter`: `address` is not an Ethereum address (a programming error).
 */
export function verifyIssuedChallenge({ message, sid, domain, address }: VerifyIssuedChallengeParameters): ParsedChallengeMessage {
  const signer = address === null ? null : normalizeAddress(address);
  if (signer === undefined) throw new ChallengeError('invalid_parameter', 'address must be an Ethereum address (0x + 40 hex digits)');

  const parsed = parseChallengeMessage(message);
  if (parsed.challenge.sid !== sid) throw new ChallengeError('message_mismatch', 'the challenge message is for another sid');
  if (parsed.format !== 'siwe') return parsed;
  const { fields } = parsed;
  if (fields.domain !== domain) throw new ChallengeError('domain_mismatch', `the challenge message is for ${fields.domain}, not ${domain}`);
  if (signer !== null && fields.address !== signer && fields.address !== ZERO_ADDRESS) {
    throw new ChallengeError('message_mismatch', 'the challenge message names another address');
  }
  return parsed;
}
