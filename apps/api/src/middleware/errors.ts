// Turns every error into `{ "error": { "code", "message" } }` with the right status. Client
// errors say what was wrong; server errors say nothing internal and are logged once.

import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { ApiError, fromChallengeError, type ApiErrorCode } from '../errors';

/** Statuses koa, koa-router and raw-body raise themselves, by their HTTP status. */
const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  501: 'method_not_allowed',
};

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        // Nothing answered: unknown path, or koa-router's allowedMethods set 405/501 and Allow.
        if (ctx.status === 404) throw new ApiError('not_found', 'No such resource.');
        if (ctx.status === 405 || ctx.status === 501) throw new ApiError('method_not_allowed', 'That method is not allowed here.');
      }
    } catch (caught) {
      const error = toApiError(caught);
      if (error.status >= 500) {
        logger.error({ err: caught, reqId: ctx.state.requestId, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = error.status;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: { code: error.code, message: error.message } };
    }
  };
}

function toApiError(caught: unknown): ApiError {
  if (caught instanceof ApiError) return caught;
  const fromChallenge = fromChallengeError(caught);
  if (fromChallenge) return fromChallenge;
  const status = (caught as { status?: unknown; expose?: unknown } | null)?.status;
  const exposed = (caught as { expose?: unknown } | null)?.expose === true;
  if (typeof status === 'number' && exposed) {
    const code = CODE_BY_STATUS[status];
    if (code) return new ApiError(code, messageFor(code));
  }
  if (status === 503) return new ApiError('service_unavailable', 'The service is unavailable; try again shortly.');
  return new ApiError('internal_error', 'Something went wrong on the server.');
}

function messageFor(code: ApiErrorCode): string {
  switch (code) {
    case 'not_found':
      return 'No such resource.';
    case 'method_not_allowed':
      return 'That method is not allowed here.';
    case 'payload_too_large':
      return 'The request body is too large.';
    case 'unsupported_media_type':
      return 'Send the request body as application/json.';
    default:
      return 'The request is not valid.';
  }
}
