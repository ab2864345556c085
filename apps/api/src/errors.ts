// The API's error type: a stable string code, the HTTP status it answers with, and a short
// message safe to show to the client. The error middleware turns it into
// `{ "error": { "code", "message" } }`.

import { isChallengeError } from '@wallet-login/challenge';
import { API_ERROR_STATUS, type ApiErrorCode } from '@wallet-login/contract';

/** Each code's HTTP status: the wire contract's one table. */
export const ERROR_STATUS = API_ERROR_STATUS;

export type { ApiErrorCode };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  /** Seconds the client should wait before retrying (sent as Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(code: ApiErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.code = code;
    this.status = ERROR_STATUS[code];
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * Maps a challenge-library error to the API's answer. A malformed signature is the client's bad
 * input (400); everything else about a signed challenge is a failed authentication (401).
 */
export function fromChallengeError(error: unknown): ApiError | undefined {
  if (!isChallengeError(error)) return undefined;
  switch (error.code) {
    case 'signature_malformed':
    case 'invalid_parameter':
      return new ApiError('invalid_request', error.message, { cause: error });
    case 'challenge_expired':
      return new ApiError('challenge_expired', 'The challenge has expired; request a new one.', { cause: error });
    case 'challenge_not_yet_valid':
      return new ApiError('challenge_not_yet_valid', 'The challenge is not valid yet.', { cause: error });
    case 'message_malformed':
    case 'message_mismatch':
      return new ApiError('message_mismatch', 'The signed message is not the one issued for this challenge.', { cause: error });
    case 'signature_invalid':
      return new ApiError('signature_invalid', 'The signature does not verify for this challenge.', { cause: error });
  }
}
