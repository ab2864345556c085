// Where the page goes after signing in when a protected app sent the visitor here with
// `?return_to=<URL>` (forward auth: deploy/nginx-forward-auth.conf). nginx has no URL encoding of
// its own, so the URL arrives raw as the last parameter: everything after `return_to=` is it (an
// encoded one is read too). It is followed only to this server's own origins (PUBLIC_ORIGIN,
// ALLOWED_ORIGINS) or an http(s) host that is COOKIE_DOMAIN or under it; anything else is dropped
// without a word (no open redirect: OWASP Unvalidated Redirects and Forwards).

/** What GET /api/config says about where return_to may go. */
export interface ReturnPolicy {
  /** Exact origins: PUBLIC_ORIGIN and ALLOWED_ORIGINS. */
  returnOrigins: readonly string[];
  /** COOKIE_DOMAIN, or null: its host and the hosts under it, over http or https. */
  cookieDomain: string | null;
}

const PARAMETER = 'return_to=';
/** A scheme followed by an encoded colon: `https%3A…`, a return_to someone did encode. */
const ENCODED = /^[a-z][a-z0-9+.-]*%3a/i;

/**
 * The raw return_to of a query string (`location.search`, with or without its `?`): everything
 * after the first `return_to=` that starts a parameter, decoded when it was encoded. Undefined
 * when there is none or it is empty.
 */
export function readReturnTo(search: string): string | undefined {
  const query = search.startsWith('?') ? search.slice(1) : search;
  const at = query.startsWith(PARAMETER) ? 0 : query.indexOf(`&${PARAMETER}`);
  if (at < 0) return undefined;
  const value = query.slice(at === 0 ? PARAMETER.length : at + 1 + PARAMETER.length);
  if (value === '') return undefined;
  if (!ENCODED.test(value)) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * The URL to go to, normalized, when `raw` is an absolute http(s) URL the policy allows; else
 * undefined. Refused: other schemes (javascript:, data:), relative and protocol-relative URLs,
 * userinfo (`https://login.example.com@evil.example/`), backslashes and control characters (which
 * URL parsers read in ways people do not), and any origin not allowed.
 */
export function checkReturnTo(raw: string, policy: ReturnPolicy): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // `http:evil.example` parses as http://evil.example/: only the written-out form is taken.
  if (!raw.toLowerCase().startsWith(`${url.protocol}//`)) return undefined;
  if (url.username !== '' || url.password !== '' || raw.slice(url.protocol.length + 2).split(/[/?#]/, 1)[0]!.includes('@')) return undefined;
  if (policy.returnOrigins.includes(url.origin)) return url.href;
  const domain = policy.cookieDomain?.replace(/^\./, '').toLowerCase();
  if (domain && (url.hostname === domain || url.hostname.endsWith(`.${domain}`))) return url.href;
  return undefined;
}

/** The allowed return_to of a query string, or undefined (see readReturnTo, checkReturnTo). */
export function returnToOf(search: string, policy: ReturnPolicy): string | undefined {
  const raw = readReturnTo(search);
  return raw === undefined ? undefined : checkReturnTo(raw, policy);
}
