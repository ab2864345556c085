// Serves the built sign-in page (apps/web/dist) at `/`, from the API's own origin so the session
// cookie is first-party. Hashed build assets are cached for good; index.html is revalidated on
// every load so a new build is picked up at once. Page navigations (Accept: text/html) to paths
// without a file extension that match no file are client routes and get index.html (as
// connect-history-api-fallback does); nothing under the API's prefix is served from here. What it
// serves gets the page's Content-Security-Policy and caching (every other answer is no-store with
// the API's policy).

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Middleware } from 'koa';
import koaStatic from 'koa-static';
import { API_CONTENT_SECURITY_POLICY, pagePolicyFor } from './securityHeaders';

/** apps/web/dist, from apps/api/src/middleware or apps/api/dist/middleware alike. */
export const DEFAULT_WEB_DIR = join(__dirname, '..', '..', '..', 'web', 'dist');

/** Vite writes content-hashed file names under assets/: a changed file gets a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else may be cached but is revalidated before each use. */
const REVALIDATE = 'no-cache';

export interface ServeWebOptions {
  /** The directory of the built page (holds index.html and assets/). */
  root: string;
  /** The API's path prefix (`/api`): that path and everything under it are the API's, never the page's. */
  apiPrefix: string;
}

export function serveWeb({ root, apiPrefix }: ServeWebOptions): Middleware {
  const assets = join(root, 'assets') + sep;
  const serveFile = koaStatic(root, {
    index: 'index.html',
    hidden: false,
    gzip: false,
    brotli: false,
    setHeaders: (res, path) => {
      res.setHeader('Cache-Control', path.startsWith(assets) && !relative(assets, path).includes(sep) ? IMMUTABLE : REVALIDATE);
    },
  });

  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === apiPrefix || ctx.path.startsWith(`${apiPrefix}/`)) return next();
    ctx.set('Content-Security-Policy', pagePolicyFor(ctx));
    let served = true;
    await serveFile(ctx, async () => {
      served = false;
    });
    if (served) return;
    // A page navigation to a path like /account is a client route. A missing file (favicon.ico, a
    // stale asset) and a request that does not ask for HTML (an API client) get the API's 404.
    const lastSegment = ctx.path.slice(ctx.path.lastIndexOf('/') + 1);
    if (lastSegment.includes('.') || !ctx.get('Accept').includes('text/html')) {
      ctx.set('Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
      return next();
    }

    const index = join(root, 'index.html');
    const stats = await stat(index).catch(() => undefined);
    if (!stats?.isFile()) {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'The sign-in page is not built: run `npm run build` (npm start builds it too).\n';
      return;
    }
    ctx.type = 'html';
    ctx.set('Cache-Control', REVALIDATE);
    ctx.lastModified = stats.mtime;
    ctx.length = stats.size;
    // Koa sends no body for HEAD and destroys the stream when the response ends.
    ctx.body = createReadStream(index);
  };
}
