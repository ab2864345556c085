// Test support for the OpenID Connect provider: a browser (its cookie jar from ./cookies), a
// real wallet-login sign-in with a test key through the API, and the walk through the
// provider's redirects and the interaction API, ending at the relying party's redirect URI.
// openid-client (ESM-only) is loaded with import(): Jest runs with --experimental-vm-modules.

import { privateKeyToAddress, signMessage } from '@wallet-login/testkit';
import { CookieJar } from './cookies';

export type OpenIdClient = typeof import('openid-client', { with: { 'resolution-mode': 'import' } });

/** openid-client, loaded once. */
let loaded: Promise<OpenIdClient> | undefined;
export function loadOpenIdClient(): Promise<OpenIdClient> {
  loaded ??= import('openid-client');
  return loaded;
}

export interface Browser {
  jar: CookieJar;
  /** A request with the jar's cookies and no redirect following; the jar takes the answer's cookies. */
  fetch(url: string, init?: { method?: string; body?: unknown; form?: Record<string, string>; origin?: string }): Promise<Response>;
}

export function createBrowser(): Browser {
  const jar = new CookieJar();
  return {
    jar,
    async fetch(url, init = {}) {
      const headers: Record<string, string> = {};
      const cookie = jar.header();
      if (cookie) headers.cookie = cookie;
      if (init.origin) headers.origin = init.origin;
      let body: string | undefined;
      if (init.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(init.form).toString();
      } else if (init.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.body);
      }
      const res = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
      jar.take(res);
      return res;
    },
  };
}

/**
 * Signs the browser in on wallet-login with `privateKey`: a challenge naming its address, the
 * signature, register (which signs in a registered address too).
 */
export async function signInWithKey(browser: Browser, origin: string, privateKey: string): Promise<string> {
  const challenge = await browser.fetch(`${origin}/api/auth/challenge`, { method: 'POST', body: { address: privateKeyToAddress(privateKey) } });
  if (challenge.status !== 200) throw new Error(`challenge answered ${challenge.status}: ${await challenge.text()}`);
  const { sid, message } = (await challenge.json()) as { sid: string; message: string };
  const signed = await browser.fetch(`${origin}/api/auth/register`, { method: 'POST', body: { sid, signature: signMessage({ message, privateKey }) } });
  if (signed.status !== 200 && signed.status !== 201) throw new Error(`register answered ${signed.status}: ${await signed.text()}`);
  return ((await signed.json()) as { address: string }).address;
}

export interface InteractionView {
  uid: string;
  prompt: 'login' | 'consent';
  client: { clientId: string; name: string; redirectUri: string; redirectHost: string };
  scopes: string[];
  missingScopes: string[];
  signatureRequired: boolean;
  signedIn: { address: string } | null;
  expiresAt: number;
}

export interface WalkOptions {
  /** Signs in with this key when the login step needs a signature. */
  privateKey: string;
  /** The consent answer. @default true */
  allow?: boolean;
  /** Called with every interaction the page is sent to. */
  onInteraction?: (view: InteractionView) => void;
  /**
   * The public origin the provider sends the browser to for the page (`/?interaction=<uid>`),
   * when it is not the server's own (behind a proxy); the page's API calls go to the server.
   * @default the server's origin
   */
  pageOrigin?: string;
}

/** The uid of the page URL `location` (`/?interaction=<uid>`), or undefined for another URL. */
export function interactionUidOf(location: string): string | undefined {
  return new URL(location, 'http://x').searchParams.get('interaction') ?? undefined;
}

/**
 * Follows an authorization request as the sign-in page would: each redirect, the login step
 * (signing in when it needs a signature) and the consent step, until the provider sends the
 * browser away from itself. Returns that URL (the relying party's redirect URI with code or error).
 */
export async function walkAuthorization(browser: Browser, origin: string, authorizationUrl: string, options: WalkOptions): Promise<URL> {
  let next = authorizationUrl;
  for (let hop = 0; hop < 20; hop += 1) {
    const url = new URL(next, origin);
    const uid = url.pathname === '/' && url.origin === (options.pageOrigin ?? origin) ? interactionUidOf(url.href) : undefined;
    if (uid !== undefined) {
      next = await answerInteraction(browser, origin, uid, options);
      continue;
    }
    if (url.origin !== origin) return url;
    let res = await browser.fetch(url.href);
    // A self-submitting form (oidc-provider's form_post page): post it as the browser's script would.
    if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/html')) res = await submitForm(browser, url.href, await res.text());
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || location === null) throw new Error(`${url.pathname} answered ${res.status}: ${await res.text()}`);
    next = location;
  }
  throw new Error('too many redirects');
}

/** The page's part of one interaction; returns where it navigates next. */
async function answerInteraction(browser: Browser, origin: string, uid: string, options: WalkOptions): Promise<string> {
  const res = await browser.fetch(`${origin}/api/oidc/interaction/${uid}`);
  if (res.status !== 200) throw new Error(`interaction answered ${res.status}: ${await res.text()}`);
  const view = (await res.json()) as InteractionView;
  options.onInteraction?.(view);
  let answer: Response;
  if (view.prompt === 'login') {
    if (view.signatureRequired) await signInWithKey(browser, origin, options.privateKey);
    answer = await browser.fetch(`${origin}/api/oidc/interaction/${uid}/login`, { method: 'POST' });
  } else {
    answer = await browser.fetch(`${origin}/api/oidc/interaction/${uid}/consent`, { method: 'POST', body: { allow: options.allow ?? true } });
  }
  if (answer.status !== 200) throw new Error(`interaction ${view.prompt} answered ${answer.status}: ${await answer.text()}`);
  return ((await answer.json()) as { redirectTo: string }).redirectTo;
}

/**
 * The OAuth error code `promise` rejects with: openid-client's ResponseBodyError carries it as
 * `error`, a WWW-Authenticate challenge (401 with Basic auth) in its parameters. Fails when it resolves.
 */
export async function oauthError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (caught: unknown) => caught as { error?: unknown; cause?: unknown },
  );
  if (typeof error.error === 'string') return error.error;
  const challenges = Array.isArray(error.cause) ? (error.cause as Array<{ parameters?: { error?: unknown } }>) : [];
  const code = challenges[0]?.parameters?.error;
  if (typeof code === 'string') return code;
  throw error;
}

/** Posts the first form of `html` (its action and hidden inputs), as a page's auto-submit does. */
async function submitForm(browser: Browser, pageUrl: string, html: string): Promise<Response> {
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html);
  if (!form) throw new Error(`an HTML page without a form: ${html.slice(0, 200)}`);
  const unescape = (text: string): string => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)].map(([, name, value]) => [name!, unescape(value!)]));
  return browser.fetch(new URL(unescape(form[1]!), pageUrl).href, { method: 'POST', form: fields });
}
