// The error answer: every failure is `{ "error": { "code", "message" } }` with one of these stable
// codes, and each code always comes with the same HTTP status.

import { z } from 'zod';

/** Every error code the API sends, with the HTTP status it always comes with. */
export const API_ERROR_STATUS = {
  invalid_request: 400,
  challenge_not_found: 401,
  challenge_expired: 401,
  challenge_not_yet_valid: 401,
  message_mismatch: 401,
  signature_invalid: 401,
  unauthenticated: 401,
  reauthentication_required: 401,
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

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** The codes of API_ERROR_STATUS, in its order. */
export const API_ERROR_CODES = Object.keys(API_ERROR_STATUS) as [ApiErrorCode, ...ApiErrorCode[]];

export const apiErrorCode = z.enum(API_ERROR_CODES);

/** The error body for `codes` only: what one documented error answer may carry. */
export function createErrorBodySchema<const Codes extends readonly [ApiErrorCode, ...ApiErrorCode[]]>(codes: Codes) {
  return z.strictObject({
    error: z.strictObject({ code: z.enum(codes), message: z.string() }),
  });
}

/** Any error answer. */
export const errorBody = createErrorBodySchema(API_ERROR_CODES);

export type ErrorBody = z.infer<typeof errorBody>;
