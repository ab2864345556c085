// HTTP plumbing shared by signIn and WalletSession: resolve paths against the base URL, send the
// jar's cookies, take Set-Cookie back into it, and turn every failure into a WalletLoginError.

import { applySetCookies, formatCookieHeader, type SessionCookies } from './cookies';
import { WalletLoginError } from './errors';

/** Options every function that talks to the server accepts. */
export interface ConnectionParameters {
  /**
   * Base URL of the wallet-login server, e.g. `https://login.example.com`. API paths resolve
   * against it, so a server mounted under a path prefix (`https://example.com/login/`) works too.
   */
  baseUrl: string;
  /**
   * Time allowed for each request, reading the response body included, in ms.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * The fetch implementation to use.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
  /**
   * The clock against which cookie expiry dates are judged.
   * @default { now: Date.now }
   */
  clock?: { now(): number };
}

/** A connection with its defaults filled in, and the cookie jar it carries. */
export interface Connection {
  /** The base URL, normalised to end in '/'. */
  base: URL;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  clock: { now(): number };
  /** The cookie jar; replaced (not mutated) after each response. */
  cookies: SessionCookies;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function createConnection(parameters: ConnectionParameters & { cookies?: SessionCookies }): Connection {
  const { timeoutMs = DEFAULT_TIMEOUT_MS } = parameters;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) invalid('timeoutMs must be a positive integer of ms');
  return {
    base: parseBaseUrl(parameters.baseUrl),
    timeoutMs,
    fetch: parameters.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    clock: parameters.clock ?? { now: Date.now },
    cookies: { ...parameters.cookies },
  };
}

/**
 * Parses a base URL: http or https, no credentials, query or fragment (cookies and keys must not
 * end up in logs through a URL). The path is made to end in '/', so relative paths append to it.
 */
export function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    invalid('baseUrl is not a URL', cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid('baseUrl must be an http or https URL');
  if (url.username !== '' || url.password !== '') invalid('baseUrl must not contain credentials');
  if (url.search !== '' || url.hash !== '') invalid('baseUrl must not have a query or fragment');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** The base URL as a key and for display: origin and path, without the trailing '/'. */
export function formatBaseUrl(base: URL): string {
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
}

/**
 * Resolves `path` against the base URL: `/api/auth/me` and `api/auth/me` both land under the
 * base path. A full URL is accepted only on the base URL's origin, so cookies never go elsewhere.
 */
export function resolvePath({ base, path }: { base: URL; path: string }): URL {
  const url = /^[a-z][a-z0-9+.-]*:/i.test(path) ? new URL(path) : new URL(path.replace(/^\/+/, ''), base);
  if (url.origin !== base.origin) invalid(`refusing to send session cookies to another origin (${url.origin})`);
  return url;
}

export interface SendParameters {
  connection: Connection;
  /** Path relative to the base URL, or a full URL on its origin. */
  path: string;
  init?: RequestInit;
}

/**
 * Sends one request with the jar's cookies and takes the response's cookies into the jar.
 * Resolves with any response, error statuses included; rejects only when there is no response.
 */
/** The User-Agent the SDK and CLI send. */
export const USER_AGENT = `wallet-login-sdk/0.1.0 (node ${process.versions.node})`;

export async function send({ connection, path, init = {} }: SendParameters): Promise<Response> {
  const url = resolvePath({ base: connection.base, path });
  const headers = new Headers(init.headers);
  // Names the SDK in the server's session list and audit log (unless the caller names itself).
  if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
  const cookie = formatCookieHeader(connection.cookies);
  if (cookie === undefined) headers.delete('cookie');
  else headers.set('cookie', cookie);
  const timeout = AbortSignal.timeout(connection.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;

  let response: Response;
  try {
    response = await connection.fetch(url, { ...init, headers, signal });
  } catch (cause) {
    if (timeout.aborted) {
      throw new WalletLoginError({ code: 'timeout', message: `no response from ${url.origin} within ${connection.timeoutMs} ms`, cause });
    }
    if (init.signal?.aborted) throw cause;
    throw new WalletLoginError({ code: 'network_error', message: `cannot reach ${url.origin}: ${describeNetworkError(cause)}`, cause });
  }
  connection.cookies = applySetCookies({ cookies: connection.cookies, setCookies: response.headers.getSetCookie(), now: connection.clock.now() });
  return response;
}

export interface RequestJsonParameters {
  connection: Connection;
  method: 'GET' | 'POST';
  path: string;
  /** Sent as JSON when given. */
  body?: unknown;
  /** Statuses that count as success; any other becomes a WalletLoginError. */
  expect: readonly number[];
}

/**
 * Sends a JSON request and returns the status and parsed body of an expected response (undefined
 * body for 204). Error responses throw WalletLoginError with the server's code and message.
 */
export async function requestJson({ connection, method, path, body, expect }: RequestJsonParameters): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await send({ connection, path, init });

  const text = await readText(response);
  if (!expect.includes(response.status)) throw toResponseError({ status: response.status, text });
  if (response.status === 204 || text === '') return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch (cause) {
    throw new WalletLoginError({ code: 'bad_response', message: `HTTP ${response.status} response is not JSON`, status: response.status, cause });
  }
}

/** An error response as a WalletLoginError: the server's `{ error: { code, message } }` when present. */
export function toResponseError({ status, text }: { status: number; text: string }): WalletLoginError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === 'string' && error.code !== '') {
    const message = typeof error.message === 'string' && error.message !== '' ? error.message : `HTTP ${status}`;
    return new WalletLoginError({ code: error.code, message, status });
  }
  return new WalletLoginError({ code: 'bad_response', message: `unexpected HTTP ${status} response without an error code`, status });
}

/** Throws bad_response: the server answered 2xx with a body that is not what the contract says. */
export function badResponse(what: string, status: number): never {
  throw new WalletLoginError({ code: 'bad_response', message: `unexpected response: ${what}`, status });
}

async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (cause) {
    throw new WalletLoginError({ code: 'network_error', message: 'connection lost while reading the response', status: response.status, cause });
  }
}

// undici reports "fetch failed" with the real reason (ECONNREFUSED, ENOTFOUND, …) in `cause`.
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : 'request failed';
}

function invalid(message: string, cause?: unknown): never {
  throw new WalletLoginError({ code: 'invalid_parameter', message, cause });
}
