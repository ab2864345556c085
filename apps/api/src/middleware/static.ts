// Serves the built sign-in page (apps/web/dist) at `/`, from the API's own origin so the session
// cookie is first-party. Hashed build assets are cached for good; index.html is revalidated on
// every load so a new build is picked up at once. Page navigations (Accept: text/html) to paths
// without a file extension that match no file are client routes and get index.html (as
// connect-history-api-fallback does); nothing under the API's prefix is served from here. What it
// serves gets the page's Content-Security-Policy and caching (every other answer is no-store with
// the API's policy). The build writes brotli and gzip copies of its assets
// (apps/web/vite.config.mts), which are sent to browsers that accept them: compressing once at
// build time at the highest levels costs nothing per request.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { Middleware } from 'koa';
import koaStatic from 'koa-static';
import { API_CONTENT_SECURITY_POLICY, pagePolicyFor } from './securityHeaders';

/** apps/web/dist, from apps/api/src/middleware or apps/api/dist/middleware alike. */
export const DEFAULT_WEB_DIR = join(__dirname, '..', '..', '..', 'web', 'dist');

/** Vite writes content-hashed file names under assets/: a changed file gets a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else may be cached but is revalidated before each use. */
const REVALIDATE = 'no-cache';

/** The copies the build writes next to an asset, most preferred first (brotli is the smaller). */
const PRECOMPRESSED = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
] as const;
type Coding = (typeof PRECOMPRESSED)[number]['coding'];

/** A file directly under assets/: no directories, no dot files, never a path that climbs out. */
const ASSET_PATH = /^\/assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** RFC 9110 §12.4.2 qvalue. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Each content coding an Accept-Encoding header names, with its weight (RFC 9110 §12.5.3): a
 * missing q is 1, an unreadable one drops the entry, the first mention of a coding counts.
 * `x-gzip` is gzip (RFC 9110 §8.4.1.3).
 */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const entry of header.split(',')) {
    const [name = '', ...params] = entry.split(';').map((part) => part.trim());
    if (name === '') continue;
    let weight = 1;
    let readable = true;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map((part) => part.trim());
      if (key.toLowerCase() !== 'q') continue;
      readable = QVALUE.test(value);
      weight = Number(value);
    }
    const coding = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase();
    if (readable && !weights.has(coding)) weights.set(coding, weight);
  }
  return weights;
}

/**
 * The coding to send among `available` (precompressed copies that exist), or undefined for the
 * file as it is. The highest weight wins, brotli on a tie (browsers list gzip first but weigh both
 * alike); `*` stands for any coding not named. The file itself ("identity") is acceptable unless
 * refused, and is chosen only when it is weighted above every copy: an Accept-Encoding that does
 * not name it prefers the codings it does name. No header at all gets the file itself.
 */
export function chooseEncoding(header: string | undefined, available: readonly Coding[]): Coding | undefined {
  if (header === undefined) return undefined;
  const weights = parseAcceptEncoding(header);
  const weightOf = (coding: string): number => weights.get(coding) ?? weights.get('*') ?? 0;
  let best: { coding: Coding; weight: number } | undefined;
  for (const { coding } of PRECOMPRESSED) {
    const weight = weightOf(coding);
    if (available.includes(coding) && weight > 0 && (best === undefined || weight > best.weight)) best = { coding, weight };
  }
  if (best === undefined || best.weight < weightOf('identity')) return undefined;
  return best.coding;
}

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
    if (ASSET_PATH.test(ctx.path) && (await servePrecompressed(root, ctx))) return;
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

/**
 * Sends the brotli or gzip copy of the asset at ctx.path when the build made one and the browser
 * accepts it; returns false to have the file itself sent. Whenever copies exist the answer
 * depends on Accept-Encoding, so it says so (Vary) to caches on the way, whichever is sent.
 */
async function servePrecompressed(root: string, ctx: Parameters<Middleware>[0]): Promise<boolean> {
  if (/\.(br|gz)$/.test(ctx.path)) return false;
  const file = join(root, ctx.path);
  const copies = await Promise.all(
    PRECOMPRESSED.map(async ({ coding, suffix }) => {
      const stats = await stat(file + suffix).catch(() => undefined);
      return stats?.isFile() ? { coding, path: file + suffix, stats } : undefined;
    }),
  );
  const available = copies.filter((copy) => copy !== undefined);
  if (available.length === 0) return false;
  ctx.vary('Accept-Encoding');
  const coding = chooseEncoding(ctx.headers['accept-encoding'], available.map((copy) => copy.coding));
  const copy = available.find((candidate) => candidate.coding === coding);
  if (copy === undefined) return false;
  // The type of the file itself (text/javascript), not of the copy's suffix.
  ctx.type = extname(ctx.path);
  ctx.set('Content-Encoding', copy.coding);
  ctx.set('Cache-Control', IMMUTABLE);
  ctx.lastModified = copy.stats.mtime;
  ctx.length = copy.stats.size;
  ctx.body = createReadStream(copy.path);
  return true;
}
