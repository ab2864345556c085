// GET /api/config: the public facts the sign-in page needs before it draws anything (which site
// the challenges name, whether it may offer "Create account" and the development-key mode, which
// challenge forms it may ask for, where it may return to after signing in).
// Mounted under /api.

import Router from 'koa-router';
import type { ChallengeFormat } from '@wallet-login/challenge';
import type { PublicConfig } from '@wallet-login/contract';

export interface MetaRoutesOptions {
  /** EIP-4361 domain (host[:port] of the public origin). */
  domain: string;
  /** EIP-4361 URI (the public origin). */
  uri: string;
  chainId: number;
  registration: 'open' | 'closed';
  /** Whether the page offers signing with a pasted development key (DEV_KEY_SIGNIN). */
  devKeySignIn: boolean;
  /** The challenge forms the server issues (CHALLENGE_FORMATS). */
  challengeFormats: readonly ChallengeFormat[];
  /** Origins `?return_to=` may go back to: PUBLIC_ORIGIN and ALLOWED_ORIGINS. */
  returnOrigins: readonly string[];
  /** COOKIE_DOMAIN: `?return_to=` may also go to an http(s) host that is it or under it. */
  cookieDomain?: string;
}

/** What GET /api/config answers (the wire contract's PublicConfig). */
export type { PublicConfig };

export function metaRoutes(options: MetaRoutesOptions): Router {
  const router = new Router({ sensitive: true });
  const body: PublicConfig = {
    domain: options.domain,
    uri: options.uri,
    chainId: options.chainId,
    registration: options.registration,
    devKeySignIn: options.devKeySignIn,
    challengeFormats: [...options.challengeFormats],
    returnOrigins: [...options.returnOrigins],
    cookieDomain: options.cookieDomain ?? null,
  };
  router.get('/config', (ctx) => {
    ctx.body = body;
  });
  return router;
}
