// The API's error type: a stable string code, the HTTP status it answers with, and a short
// message safe to show to the client. The error middleware turns it into
// `{ "error": { "code", "message" } }`.

import { isChallengeError } from '@wallet-login/challenge';

export const ERROR_STATUS = {
  invalid_request: 400,
  challenge_not_found: 401,
  challenge_expired: 401,
  challenge_not_yet_valid: 401,
  message_mismatch: 401,
  signature_invalid: 401,
  unauthenticated: 401,
  address_not_registered: 403,
  registration_closed: 403,
  origin_forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof ERROR_STATUS;

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
