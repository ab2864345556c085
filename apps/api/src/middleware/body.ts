// JSON request bodies: application/json only (415 otherwise, which also stops cross-site HTML
// form posts), a small size limit (413), and well-formed JSON (400). The parsed value lands on
// ctx.request.body; a request without a body gets undefined.

import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import type { z } from 'zod';
import { ApiError } from '../errors';

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}

/**
 * A key pair's login body is a few hundred bytes; a contract wallet's signature may be 16 KiB
 * (32 KiB of hex), sent with the issued message (at most 32 KiB) and a sid: this fits both, with
 * room for JSON escapes.
 */
export const BODY_LIMIT_BYTES = 96 * 1024;

export function jsonBody(limit = BODY_LIMIT_BYTES): Middleware {
  return async (ctx, next) => {
    const length = ctx.request.length;
    const chunked = ctx.get('Transfer-Encoding') !== '';
    if (!chunked && !length) {
      // An HTML form without fields posts an empty body but still names its encoding: refused
      // like any other form post, so a cross-site form cannot reach logout.
      const type = ctx.request.type;
      if (type && type !== 'application/json' && ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        throw new ApiError('unsupported_media_type', 'Send the request body as application/json.');
      }
      return next();
    }
    if (ctx.is('application/json') !== 'application/json') {
      throw new ApiError('unsupported_media_type', 'Send the request body as application/json.');
    }
    // RFC 9110 §8.3.2: charset names are case-insensitive (UTF-8 and utf-8 are one charset).
    const charset = ctx.request.charset.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      throw new ApiError('unsupported_media_type', 'JSON bodies must be UTF-8.');
    }
    let text: string;
    try {
      text = await getRawBody(ctx.req, { length, limit, encoding: 'utf8' });
    } catch (error) {
      if ((error as { type?: string }).type === 'entity.too.large') {
        throw new ApiError('payload_too_large', `The request body is larger than ${limit} bytes.`);
      }
      throw new ApiError('invalid_request', 'The request body could not be read.', { cause: error });
    }
    try {
      ctx.request.body = JSON.parse(text);
    } catch (error) {
      throw new ApiError('invalid_request', 'The request body is not valid JSON.', { cause: error });
    }
    return next();
  };
}

/**
 * The request body read by `schema` (a wire-contract schema), or 400 `invalid_request` naming the
 * first field that is wrong.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('invalid_request', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ApiError('invalid_request', `${where}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}
