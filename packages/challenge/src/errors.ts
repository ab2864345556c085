// The one error class of the challenge library, with stable string codes that callers map to
// protocol answers (the API maps them to HTTP statuses).

export type ChallengeErrorCode =
  /** The challenge's validity window has passed (EIP-4361 Expiration Time). */
  | 'challenge_expired'
  /** The challenge is issued later than the verifier's clock allows, beyond the skew allowance. */
  | 'challenge_not_yet_valid'
  /** The message text is not a well-formed challenge message of its format. */
  | 'message_malformed'
  /** The message is well formed but does not match the challenge or the expected site. */
  | 'message_mismatch'
  /**
   * Before signing: an EIP-4361 message names another domain than the site the signer means to
   * sign in to (verifyIssuedChallenge). The server's own check reports it as message_mismatch.
   */
  | 'domain_mismatch'
  /** The signature is not 65 bytes of hex in canonical form (v, r, s ranges; low s). */
  | 'signature_malformed'
  /** The signature is well formed but does not recover to an acceptable signer. */
  | 'signature_invalid'
  /** A parameter given by the calling code is out of its domain (a programming error). */
  | 'invalid_parameter';

export class ChallengeError extends Error {
  override readonly name = 'ChallengeError';
  readonly code: ChallengeErrorCode;

  constructor(code: ChallengeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is a ChallengeError, optionally with the given code. */
export function isChallengeError(error: unknown, code?: ChallengeErrorCode): error is ChallengeError {
  return error instanceof ChallengeError && (code === undefined || error.code === code);
}
