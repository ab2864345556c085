// GET /api/openapi.json: the API description (document.ts), serialised once. Mounted under /api.

import Router from 'koa-router';
import { openApiDocument } from './document';

export function openApiRoutes(): Router {
  const body = JSON.stringify(openApiDocument);
  const router = new Router({ sensitive: true });
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = body;
  });
  return router;
}
