// Cache-Control: no-store on every answer — the API's, health, metrics and every error — so no
// browser or proxy cache keeps a session's data or a stale state. The sign-in page's own files
// set their caching over it (serveWeb).

import type { Middleware } from 'koa';

export const noStore: Middleware = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-store');
  await next();
};
