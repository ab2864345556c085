// GET /api/openapi.json: the API description, generated from the wire contract
// (@wallet-login/contract) and serialised once.

import type { Middleware } from 'koa';
import { createOpenApiDocument } from '@wallet-login/contract';
import { ApiError } from '../errors';

export const OPENAPI_PATH = '/api/openapi.json';

export function openApiRoute(): Middleware {
  const body = JSON.stringify(createOpenApiDocument());
  return async (ctx, next) => {
    if (ctx.path !== OPENAPI_PATH) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      throw new ApiError('method_not_allowed', 'That method is not allowed here.');
    }
    ctx.type = 'application/json';
    ctx.body = body;
  };
}
