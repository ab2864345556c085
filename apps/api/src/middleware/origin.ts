// Cross-site request refusal for state-changing requests (CSRF defence in depth on top of
// SameSite=Lax cookies), after Go's net/http CrossOriginProtection:
// - an Origin on the allowlist, or the request's own origin, is allowed;
// - Sec-Fetch-Site: same-origin or none (a user's own navigation) is allowed;
// - any other Origin or Sec-Fetch-Site value is a cross-site browser request: 403;
// - neither header: not a browser (curl, the SDK), allowed.

import type { Middleware } from 'koa';
import { ApiError } from '../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function refuseCrossSite(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return async (ctx, next) => {
    if (SAFE_METHODS.has(ctx.method)) return next();
    const origin = ctx.get('Origin');
    const fetchSite = ctx.get('Sec-Fetch-Site');
    if (origin && (allowed.has(origin) || origin === `${ctx.protocol}://${ctx.host}`)) return next();
    if (fetchSite === 'same-origin' || fetchSite === 'none') return next();
    if (origin || fetchSite) {
      throw new ApiError('origin_forbidden', 'Cross-site requests to this endpoint are not allowed.');
    }
    return next();
  };
}
