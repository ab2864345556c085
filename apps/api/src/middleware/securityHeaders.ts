// Security headers on every response, API and sign-in page alike (OWASP Secure Headers, ASVS
// 14.4): no MIME sniffing, no framing, no referrer, a Content-Security-Policy, and HSTS over TLS.
//
// The page is a Vite build: module scripts and stylesheets from its own origin, no inline script,
// images from its origin or data: URLs, fetches and the live-session WebSocket to its own origin.
// API responses are JSON and never render, so they get the strictest policy.

import type { Context, Middleware } from 'koa';

/** RFC 6797: one year, subdomains included (the SSO subdomains share the cookie, so share TLS). */
export const HSTS = 'max-age=31536000; includeSubDomains';

export interface SecurityHeadersOptions {
  /**
   * Whether the public origin is https: HSTS is then sent even on a request that reached this
   * process over plain HTTP (a TLS proxy without TRUST_PROXY).
   */
  publicHttps: boolean;
}

/** The policy of the sign-in page: its own scripts, styles, images and connections only. */
export function pageContentSecurityPolicy(websocketOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    // 'self' covers ws(s) to the same host in CSP Level 3; the explicit origin covers older engines.
    `connect-src 'self'${websocketOrigin ? ` ${websocketOrigin}` : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** JSON, metrics and health answers never load anything. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;

/**
 * The headers of every answer. Its Content-Security-Policy is the API's strict one: only the
 * sign-in page's own answers (serveWeb) replace it with `pagePolicyFor`.
 */
export function securityHeaders({ publicHttps }: SecurityHeadersOptions): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    ctx.set('Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
    if (ctx.secure || publicHttps) ctx.set('Strict-Transport-Security', HSTS);
    await next();
  };
}

/** The page's policy for this request: its WebSocket origin is the request's own. */
export function pagePolicyFor(ctx: Context): string {
  // The Host header is the client's to choose: only a plain host[:port] goes into the policy.
  return pageContentSecurityPolicy(HOST.test(ctx.host) ? `${ctx.secure ? 'wss' : 'ws'}://${ctx.host}` : '');
}
