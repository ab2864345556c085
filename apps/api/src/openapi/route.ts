// GET /api/openapi.json: the API description, generated from the wire contract
// (@wallet-login/contract) and serialised once. Mounted under /api.

import Router from 'koa-router';
import { createOpenApiDocument } from '@wallet-login/contract';

export function openApiRoutes(): Router {
  const body = JSON.stringify(createOpenApiDocument());
  const router = new Router({ sensitive: true });
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = body;
  });
  return router;
}
