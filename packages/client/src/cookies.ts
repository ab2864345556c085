// A minimal cookie jar for one server: Node's fetch keeps no cookies, so the client reads
// Set-Cookie itself and sends the name=value pairs back. One server per jar, so Domain and Path
// are not tracked (RFC 6265 §5.3 would scope them; every wallet-login cookie has Path=/).

/** The jar as saved: cookie name → value. Plain JSON, so the CLI can write it to a file. */
export type SessionCookies = Record<string, string>;

/** The parts of one Set-Cookie header the jar acts on. */
export interface ParsedSetCookie {
  name: string;
  value: string;
  /** True when the header deletes the cookie: an empty value, Max-Age ≤ 0, or Expires in the past. */
  deletes: boolean;
}

export interface ParseSetCookieParameters {
  /** One Set-Cookie header value, e.g. `wl.sid=abc; path=/; expires=…; httponly`. */
  header: string;
  /** The current time, ms since the epoch, to judge Expires by. */
  now: number;
}

// RFC 6265 §4.1.1: cookie-name is an RFC 2616 token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Anything that could break out of the Cookie header it will be sent in.
const UNSAFE_VALUE = /[\u0000-\u001f\u007f;]/;

/** Parses one Set-Cookie header (RFC 6265 §5.2); undefined when it is not a usable cookie. */
export function parseSetCookie({ header, now }: ParseSetCookieParameters): ParsedSetCookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const equals = pair.indexOf('=');
  if (equals === -1) return undefined;
  const name = pair.slice(0, equals).trim();
  const value = pair.slice(equals + 1).trim();
  if (!validateCookie({ name, value })) return undefined;

  let maxAge: number | undefined;
  let expires: number | undefined;
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const argument = at === -1 ? '' : attribute.slice(at + 1).trim();
    if (key === 'max-age' && /^-?[0-9]+$/.test(argument)) maxAge = Number(argument);
    if (key === 'expires' && !Number.isNaN(Date.parse(argument))) expires = Date.parse(argument);
  }
  // RFC 6265 §5.3 step 3: Max-Age wins over Expires.
  const expired = maxAge !== undefined ? maxAge <= 0 : expires !== undefined && expires <= now;
  return { name, value, deletes: value === '' || expired };
}

export interface ApplySetCookiesParameters {
  /** The jar before the response. */
  cookies: SessionCookies;
  /** The response's Set-Cookie headers, as `headers.getSetCookie()` returns them. */
  setCookies: readonly string[];
  /** The current time, ms since the epoch. */
  now: number;
}

/** The jar after a response: each cookie set replaces the one of its name; deletions remove it. */
export function applySetCookies({ cookies, setCookies, now }: ApplySetCookiesParameters): SessionCookies {
  // A Map, not an object, so a cookie named __proto__ is just a name.
  const jar = new Map(Object.entries(cookies));
  for (const header of setCookies) {
    const cookie = parseSetCookie({ header, now });
    if (cookie === undefined) continue;
    if (cookie.deletes) jar.delete(cookie.name);
    else jar.set(cookie.name, cookie.value);
  }
  return Object.fromEntries(jar);
}

/** The `Cookie` request header for the jar (RFC 6265 §5.4), or undefined when it is empty. */
export function formatCookieHeader(cookies: SessionCookies): string | undefined {
  const pairs = Object.entries(cookies).map(([name, value]) => `${name}=${value}`);
  return pairs.length === 0 ? undefined : pairs.join('; ');
}

/** True for a name that is a token and a value that cannot break the Cookie header. */
export function validateCookie({ name, value }: { name: unknown; value: unknown }): boolean {
  return typeof name === 'string' && TOKEN.test(name) && typeof value === 'string' && !UNSAFE_VALUE.test(value);
}

/**
 * Checks cookies read back from storage (a session file someone could have edited) and returns a
 * clean copy; undefined when any entry is not a valid cookie.
 */
export function parseSessionCookies(value: unknown): SessionCookies | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([name, cookie]) => validateCookie({ name, value: cookie }) && cookie !== '')) return undefined;
  return Object.fromEntries(entries) as SessionCookies;
}
