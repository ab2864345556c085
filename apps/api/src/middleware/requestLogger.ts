// One structured log line per request: id, method, path, status, duration. Never headers,
// cookies, query strings or bodies (they can carry secrets).

import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestLogger(logger: Logger, random: (length: number) => Uint8Array): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const reqId = REQUEST_ID.test(incoming) ? incoming : Buffer.from(random(9)).toString('base64url');
    ctx.state.requestId = reqId;
    ctx.set('X-Request-Id', reqId);
    const start = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - start) * 100) / 100;
      logger.info({ reqId, method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
    }
  };
}
