// Turns every error into `{ "error": { "code", "message" } }` with the right status. Client
// errors say what was wrong; server errors say nothing internal and are logged once.

import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { ApiError, fromChallengeError, type ApiErrorCode } from '../errors';
import { StoreUnavailableError } from '../stores/errors';
import { isChainError } from '../chain/errors';

/**
 * Answers that koa and koa-router produce themselves (an empty 404, koa-router's 405/501 with
 * Allow) or that a library throws as an exposed HTTP error, by status, with their messages.
 */
const BY_STATUS: Record<number, [ApiErrorCode, string]> = {
  400: ['invalid_request', 'The request is not valid.'],
  404: ['not_found', 'No such resource.'],
  405: ['method_not_allowed', 'That method is not allowed here.'],
  413: ['payload_too_large', 'The request body is too large.'],
  415: ['unsupported_media_type', 'Send the request body as application/json.'],
  501: ['method_not_allowed', 'That method is not allowed here.'],
};

export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if ((ctx.body === undefined || ctx.body === null) && ctx.status >= 400) throw byStatus(ctx.status);
    } catch (caught) {
      const error = toApiError(caught);
      if (error.status >= 500) {
        // A backing service (a store, a chain's RPC) away is an outage to watch, not a fault in the code.
        const outage = caught instanceof StoreUnavailableError || isChainError(caught) || isChainError((caught as { cause?: unknown } | undefined)?.cause);
        const level = outage ? 'warn' : 'error';
        logger[level]({ err: caught, reqId: ctx.state.requestId, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = error.status;
      if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
      ctx.body = { error: { code: error.code, message: error.message } };
    }
  };
}

/** The answer an error gets: what the client is told, by code (also what the audit log records). */
export function toApiError(caught: unknown): ApiError {
  if (caught instanceof ApiError) return caught;
  if (caught instanceof StoreUnavailableError) {
    return new ApiError('service_unavailable', 'The service is briefly unavailable; try again shortly.', { cause: caught, retryAfterSeconds: 1 });
  }
  const fromChallenge = fromChallengeError(caught);
  if (fromChallenge) return fromChallenge;
  const { status, expose } = (caught ?? {}) as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && expose === true ? byStatus(status) : byStatus(500);
}

function byStatus(status: number): ApiError {
  const [code, message] = BY_STATUS[status] ?? (status < 500 ? BY_STATUS[400]! : ['internal_error', 'Something went wrong on the server.']);
  return new ApiError(code, message);
}
