// The API's wire contract (@wallet-login/contract) against the running API: every documented
// operation, status and error code is produced by a real request (the answer's body parses with
// the contract's zod schema, documented headers are present), every route the app serves is
// documented, request bodies refuse keys their schema does not list, and /api/openapi.json serves
// the document generated from the contract.

import pino from 'pino';
import {
  API_ERROR_STATUS,
  MAX_LIVE_SESSION_SOCKETS,
  apiOperations,
  createOpenApiDocument,
  type ApiOperation,
  type ApiResponse,
  type OpenApiDocument,
} from '@wallet-login/contract';
import { formatCookieHeader, register } from '@wallet-login/client';
import { BODY_LIMIT_BYTES } from '../middleware/body';
import { createApp } from '../app';
import { StoreUnavailableError } from '../stores/errors';
import type { Stores } from '../stores/types';
import { connectLiveSession, liveSessionUrl, privateKeyToAddress, refusalWithHeaders, signMessage, startServing, TEST_KEY, testAppConfig, type TestServing } from '@wallet-login/testkit';
import { MAX_SOCKETS_PER_SESSION } from '../server/liveSession';
import { createClient } from '../oidc/clients';
import { createBrowser, interactionUidOf, signInWithKey, type Browser } from '../../test/support/oidc';

const BOB = `0x${'42'.repeat(32)}`;
const CAROL = `0x${'7a'.repeat(32)}`;
const EVIL = 'https://evil.example';

const openApiDocument = createOpenApiDocument();

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One key per documented answer in the generated document: `METHOD path status` plus ` code` for error answers. */
function documentedAnswers(document: OpenApiDocument = openApiDocument): string[] {
  const keys: string[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = response.content?.['application/json']?.schema as { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } } | undefined;
        const codes = schema?.properties?.error?.properties?.code?.enum;
        const base = `${method.toUpperCase()} ${path} ${status}`;
        if (codes) keys.push(...codes.map((code) => `${base} ${code}`));
        else keys.push(base);
      }
    }
  }
  return keys;
}

/** The same keys from the contract's table of operations, which holds each answer's zod schema. */
function contractAnswers(): string[] {
  return apiOperations.flatMap((operation) =>
    Object.entries(operation.responses).flatMap(([status, response]) => {
      const base = `${operation.method.toUpperCase()} ${operation.path} ${status}`;
      return response.codes ? response.codes.map((code) => `${base} ${code}`) : [base];
    }),
  );
}

function operationOf(method: string, path: string): ApiOperation {
  const operation = apiOperations.find((candidate) => candidate.method === method.toLowerCase() && candidate.path === path);
  if (!operation) throw new Error(`${method} ${path} is not in the contract`);
  return operation;
}

// ---- the servers the answers come from ----

let main: TestServing;
let closed: TestServing;
let limited: TestServing;
let busy: TestServing;
let broken: TestServing;
let scraped: TestServing;
const METRICS_TOKEN = 'openapi-test-metrics-token-0123456789';

/** Stores whose every call fails as an unreachable Redis or PostgreSQL does; rate limits still work. */
function brokenStores(real: Stores): Stores {
  const fail = (): Promise<never> => Promise.reject(new StoreUnavailableError('redis', 'no answer within 50 ms'));
  const failing = <T extends object>(part: T): T => new Proxy(part, { get: () => fail });
  return {
    ...real,
    challenges: failing(real.challenges),
    sessions: failing(real.sessions),
    users: failing(real.users),
    audit: failing(real.audit),
    check: async () => [{ name: 'redis', ok: false, error: 'no answer within 50 ms' }],
  };
}

beforeAll(async () => {
  main = await startServing();
  closed = await startServing({ config: { registration: 'closed' } });
  limited = await startServing({ config: { rateLimitIpPerMinute: 1 } });
  busy = await startServing({ config: { maxChallenges: 1 } });
  const healthy = await startServing();
  broken = await startServing({ stores: brokenStores(healthy.stores) });
  // /metrics on the public port, with METRICS_TOKEN (else it is on the metrics listener only).
  scraped = await startServing({ config: { metrics: { serve: 'public', token: METRICS_TOKEN } } });
  afterAllClose.push(healthy, scraped);
});
const afterAllClose: TestServing[] = [];
afterAll(async () => {
  for (const server of [broken, busy, limited, closed, main, ...afterAllClose]) await server?.close();
});

// ---- requests ----

interface CallOptions {
  body?: unknown;
  /** A raw body sent as is (with its own content type). */
  raw?: { text: string; type: string };
  cookie?: string;
  origin?: string;
  authorization?: string;
}

async function call(server: TestServing, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.type;
    body = options.raw.text;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  if (options.authorization) headers.authorization = options.authorization;
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, body: type.startsWith('application/json') ? (JSON.parse(text) as unknown) : text };
}

const cookiesOf = (res: Response | Answer): string =>
  res.headers
    .getSetCookie()
    .map((line) => line.split(';', 1)[0])
    .join('; ');

async function signedIn(server: TestServing, privateKey = TEST_KEY): Promise<string> {
  const { session } = await register({ baseUrl: server.url, privateKey });
  return formatCookieHeader(session.cookies)!;
}

/** A challenge (naming `address` when given) and the pre-login cookie it came with. */
async function challenge(server: TestServing, address?: string): Promise<{ sid: string; message: string; cookie: string }> {
  const res = await fetch(`${server.url}/api/auth/challenge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(address ? { address } : {}),
  });
  const { sid, message } = (await res.json()) as { sid: string; message: string };
  return { sid, message, cookie: cookiesOf(res) };
}

/** A challenge naming `named` (by default the signer's address) signed by `signer` and posted to `path`. */
async function signedAttempt(server: TestServing, path: string, signer: string, options: { named?: string; message?: string; shiftMs?: number } = {}): Promise<Answer> {
  const issued = await challenge(server, options.named ?? privateKeyToAddress(signer));
  const signature = signMessage({ message: issued.message, privateKey: signer });
  const start = server.clock.now();
  server.clock.advance(options.shiftMs ?? 0);
  try {
    return await call(server, 'POST', path, {
      body: { sid: issued.sid, signature, ...(options.message !== undefined ? { message: options.message } : {}) },
      cookie: issued.cookie,
    });
  } finally {
    server.clock.set(start);
  }
}

// ---- OpenID Connect interactions on `main` ----

const OIDC_REDIRECT = 'http://127.0.0.1:9/callback';

/** A client registered on `server`. */
async function oidcClient(server: TestServing): Promise<string> {
  const { client } = createClient({ name: 'Contract App', redirectUris: [OIDC_REDIRECT] }, { random: (n) => new Uint8Array(crypto.getRandomValues(new Uint8Array(n))), now: server.clock.now() });
  await server.stores.clients.add(client);
  return client.clientId;
}

/** A browser sent to the sign-in page by an authorization request; signed in on wallet-login first when asked. */
async function startInteraction(server: TestServing, options: { signedIn?: boolean; prompt?: string; clientId?: string } = {}): Promise<{ browser: Browser; uid: string; clientId: string }> {
  const browser = createBrowser();
  if (options.signedIn) await signInWithKey(browser, server.url, TEST_KEY);
  const clientId = options.clientId ?? (await oidcClient(server));
  const query = new URLSearchParams({
    client_id: clientId, redirect_uri: OIDC_REDIRECT, response_type: 'code', scope: 'openid', state: 'st',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  const res = await browser.fetch(`${server.url}/oidc/auth?${query}`);
  const uid = interactionUidOf(res.headers.get('location') ?? '');
  if (uid === undefined) throw new Error(`no interaction: ${res.status} ${res.headers.get('location')}`);
  return { browser, uid, clientId };
}

/** An interaction at its consent step (signed in, login step done). */
async function consentStep(server: TestServing): Promise<{ browser: Browser; uid: string; clientId: string }> {
  const { browser, uid, clientId } = await startInteraction(server, { signedIn: true });
  const login = await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/login`, { method: 'POST' });
  const { redirectTo } = (await login.json()) as { redirectTo: string };
  const resumed = await browser.fetch(redirectTo);
  const next = interactionUidOf(resumed.headers.get('location') ?? '');
  if (next === undefined) throw new Error(`no consent step: ${resumed.status} ${resumed.headers.get('location')}`);
  return { browser, uid: next, clientId };
}

/** The jar's cookies without the wallet-login session's. */
const withoutSession = (browser: Browser): string => [...browser.jar.cookies].filter(([name]) => !name.startsWith('wl.sid')).map(([name, value]) => `${name}=${value}`).join('; ');

const TOO_LARGE = { raw: { text: JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES) }), type: 'application/json' } };
const NOT_JSON = { raw: { text: 'sid=1', type: 'application/x-www-form-urlencoded' } };
const MALFORMED_SIGN_IN = { body: { sid: 5, signature: '0x' } };

/** The sign-in answers shared by /login and /register. */
function signInScenarios(path: '/api/auth/login' | '/api/auth/register'): Record<string, () => Promise<Answer>> {
  const key = (rest: string) => `POST ${path} ${rest}`;
  return {
    [key('400 invalid_request')]: () => call(main, 'POST', path, MALFORMED_SIGN_IN),
    [key('401 challenge_not_found')]: async () => {
      const issued = await challenge(main);
      return call(main, 'POST', path, { body: { sid: 'A'.repeat(24), signature: signMessage({ message: 'x', privateKey: TEST_KEY }) }, cookie: issued.cookie });
    },
    [key('401 challenge_expired')]: () => signedAttempt(main, path, TEST_KEY, { shiftMs: main.config.challengeTtlMs }),
    [key('401 challenge_not_yet_valid')]: () => signedAttempt(main, path, TEST_KEY, { shiftMs: -(main.config.clockSkewMs + 1000) }),
    [key('401 message_mismatch')]: () => signedAttempt(main, path, TEST_KEY, { message: 'another message' }),
    [key('401 signature_invalid')]: () => signedAttempt(main, path, BOB, { named: privateKeyToAddress(TEST_KEY) }),
    [key('403 origin_forbidden')]: () => call(main, 'POST', path, { body: {}, origin: EVIL }),
    [key('413 payload_too_large')]: () => call(main, 'POST', path, TOO_LARGE),
    [key('415 unsupported_media_type')]: () => call(main, 'POST', path, NOT_JSON),
    [key('429 rate_limited')]: async () => {
      await call(limited, 'POST', '/api/auth/challenge');
      return call(limited, 'POST', path, MALFORMED_SIGN_IN);
    },
    [key('503 service_unavailable')]: async () => {
      const issued = await challenge(main);
      const signature = signMessage({ message: issued.message, privateKey: TEST_KEY });
      return call(broken, 'POST', path, { body: { sid: issued.sid, signature }, cookie: issued.cookie });
    },
  };
}

const scenarios: Record<string, () => Promise<Answer>> = {
  'POST /api/auth/challenge 200': () => call(main, 'POST', '/api/auth/challenge', { body: { format: 'siwe', address: privateKeyToAddress(TEST_KEY) } }),
  'POST /api/auth/challenge 400 invalid_request': () => call(main, 'POST', '/api/auth/challenge', { body: { address: '0x123' } }),
  'POST /api/auth/challenge 403 origin_forbidden': () => call(main, 'POST', '/api/auth/challenge', { origin: EVIL }),
  'POST /api/auth/challenge 413 payload_too_large': () => call(main, 'POST', '/api/auth/challenge', TOO_LARGE),
  'POST /api/auth/challenge 415 unsupported_media_type': () => call(main, 'POST', '/api/auth/challenge', NOT_JSON),
  'POST /api/auth/challenge 429 rate_limited': async () => {
    await call(limited, 'POST', '/api/auth/challenge');
    return call(limited, 'POST', '/api/auth/challenge');
  },
  'POST /api/auth/challenge 503 service_unavailable': async () => {
    await call(busy, 'POST', '/api/auth/challenge');
    return call(busy, 'POST', '/api/auth/challenge');
  },

  ...signInScenarios('/api/auth/login'),
  'POST /api/auth/login 200': async () => {
    await signedIn(main, TEST_KEY);
    return signedAttempt(main, '/api/auth/login', TEST_KEY);
  },
  'POST /api/auth/login 403 address_not_registered': () => signedAttempt(main, '/api/auth/login', CAROL),

  ...signInScenarios('/api/auth/register'),
  'POST /api/auth/register 201': () => signedAttempt(main, '/api/auth/register', `0x${'5b'.repeat(32)}`),
  'POST /api/auth/register 200': async () => {
    await signedIn(main, BOB);
    return signedAttempt(main, '/api/auth/register', BOB);
  },
  'POST /api/auth/register 403 registration_closed': () => signedAttempt(closed, '/api/auth/register', TEST_KEY),

  'GET /api/auth/me 200': async () => call(main, 'GET', '/api/auth/me', { cookie: await signedIn(main) }),
  'GET /api/auth/me 401 unauthenticated': () => call(main, 'GET', '/api/auth/me'),
  'GET /api/auth/me 503 service_unavailable': async () => call(broken, 'GET', '/api/auth/me', { cookie: await signedIn(main) }),

  'POST /api/auth/logout 204': async () => call(main, 'POST', '/api/auth/logout', { cookie: await signedIn(main) }),
  'POST /api/auth/logout 403 origin_forbidden': async () => call(main, 'POST', '/api/auth/logout', { cookie: await signedIn(main), origin: EVIL }),
  'POST /api/auth/logout 503 service_unavailable': async () => call(broken, 'POST', '/api/auth/logout', { cookie: await signedIn(main) }),

  'GET /api/auth/sessions 200': async () => call(main, 'GET', '/api/auth/sessions', { cookie: await signedIn(main) }),
  'GET /api/auth/sessions 401 unauthenticated': () => call(main, 'GET', '/api/auth/sessions'),
  'GET /api/auth/sessions 503 service_unavailable': async () => call(broken, 'GET', '/api/auth/sessions', { cookie: await signedIn(main) }),

  'DELETE /api/auth/sessions/{id} 204': async () => {
    const cookie = await signedIn(main);
    const other = await signedIn(main);
    const list = (await call(main, 'GET', '/api/auth/sessions', { cookie: other })).body as { sessions: Array<{ id: string; current: boolean }> };
    const target = list.sessions.find((session) => !session.current)!;
    return call(main, 'DELETE', `/api/auth/sessions/${target.id}`, { cookie });
  },
  'DELETE /api/auth/sessions/{id} 401 unauthenticated': () => call(main, 'DELETE', '/api/auth/sessions/abc'),
  'DELETE /api/auth/sessions/{id} 403 origin_forbidden': async () => call(main, 'DELETE', '/api/auth/sessions/abc', { cookie: await signedIn(main), origin: EVIL }),
  'DELETE /api/auth/sessions/{id} 404 not_found': async () => call(main, 'DELETE', '/api/auth/sessions/abc', { cookie: await signedIn(main) }),
  'DELETE /api/auth/sessions/{id} 503 service_unavailable': async () => call(broken, 'DELETE', '/api/auth/sessions/abc', { cookie: await signedIn(main) }),

  'POST /api/auth/logout-all 200': async () => call(main, 'POST', '/api/auth/logout-all', { cookie: await signedIn(main) }),
  'POST /api/auth/logout-all 401 unauthenticated': () => call(main, 'POST', '/api/auth/logout-all'),
  'POST /api/auth/logout-all 403 origin_forbidden': async () => call(main, 'POST', '/api/auth/logout-all', { cookie: await signedIn(main), origin: EVIL }),
  'POST /api/auth/logout-all 503 service_unavailable': async () => call(broken, 'POST', '/api/auth/logout-all', { cookie: await signedIn(main) }),

  'GET /api/auth/verify 204': async () => call(main, 'GET', '/api/auth/verify', { cookie: await signedIn(main) }),
  'GET /api/auth/verify 401 unauthenticated': () => call(main, 'GET', '/api/auth/verify'),
  'GET /api/auth/verify 503 service_unavailable': async () => call(broken, 'GET', '/api/auth/verify', { cookie: await signedIn(main) }),

  'GET /api/oidc/interaction/{uid} 200': async () => {
    const { browser, uid } = await startInteraction(main);
    return call(main, 'GET', `/api/oidc/interaction/${uid}`, { cookie: browser.jar.header() });
  },
  'GET /api/oidc/interaction/{uid} 404 not_found': () => call(main, 'GET', '/api/oidc/interaction/nope'),
  'GET /api/oidc/interaction/{uid} 503 service_unavailable': async () => call(broken, 'GET', '/api/oidc/interaction/nope', { cookie: await signedIn(main) }),

  'POST /api/oidc/interaction/{uid}/login 200': async () => {
    const { browser, uid } = await startInteraction(main, { signedIn: true });
    return call(main, 'POST', `/api/oidc/interaction/${uid}/login`, { cookie: browser.jar.header() });
  },
  'POST /api/oidc/interaction/{uid}/login 400 invalid_request': async () => {
    const { browser, uid } = await consentStep(main);
    return call(main, 'POST', `/api/oidc/interaction/${uid}/login`, { cookie: browser.jar.header() });
  },
  'POST /api/oidc/interaction/{uid}/login 401 unauthenticated': async () => {
    const { browser, uid } = await startInteraction(main);
    return call(main, 'POST', `/api/oidc/interaction/${uid}/login`, { cookie: browser.jar.header() });
  },
  'POST /api/oidc/interaction/{uid}/login 401 reauthentication_required': async () => {
    // Signed in before the request, which asks for a fresh signature.
    const { browser, uid } = await startInteraction(main, { signedIn: true, prompt: 'login' });
    return call(main, 'POST', `/api/oidc/interaction/${uid}/login`, { cookie: browser.jar.header() });
  },
  'POST /api/oidc/interaction/{uid}/login 403 origin_forbidden': () => call(main, 'POST', '/api/oidc/interaction/nope/login', { origin: EVIL }),
  'POST /api/oidc/interaction/{uid}/login 404 not_found': () => call(main, 'POST', '/api/oidc/interaction/nope/login'),
  'POST /api/oidc/interaction/{uid}/login 503 service_unavailable': async () => call(broken, 'POST', '/api/oidc/interaction/nope/login', { cookie: await signedIn(main) }),

  'POST /api/oidc/interaction/{uid}/consent 200': async () => {
    const { browser, uid } = await consentStep(main);
    return call(main, 'POST', `/api/oidc/interaction/${uid}/consent`, { cookie: browser.jar.header(), body: { allow: true } });
  },
  'POST /api/oidc/interaction/{uid}/consent 400 invalid_request': () => call(main, 'POST', '/api/oidc/interaction/nope/consent', { body: { allow: 'yes' } }),
  'POST /api/oidc/interaction/{uid}/consent 401 unauthenticated': async () => {
    const { browser, uid } = await consentStep(main);
    return call(main, 'POST', `/api/oidc/interaction/${uid}/consent`, { cookie: withoutSession(browser), body: { allow: true } });
  },
  'POST /api/oidc/interaction/{uid}/consent 403 origin_forbidden': () => call(main, 'POST', '/api/oidc/interaction/nope/consent', { body: { allow: true }, origin: EVIL }),
  'POST /api/oidc/interaction/{uid}/consent 404 not_found': () => call(main, 'POST', '/api/oidc/interaction/nope/consent', { body: { allow: true } }),
  'POST /api/oidc/interaction/{uid}/consent 413 payload_too_large': () => call(main, 'POST', '/api/oidc/interaction/nope/consent', TOO_LARGE),
  'POST /api/oidc/interaction/{uid}/consent 415 unsupported_media_type': () => call(main, 'POST', '/api/oidc/interaction/nope/consent', NOT_JSON),
  'POST /api/oidc/interaction/{uid}/consent 503 service_unavailable': async () => call(broken, 'POST', '/api/oidc/interaction/nope/consent', { body: { allow: true }, cookie: await signedIn(main) }),

  'GET /api/oidc/grants 200': async () => call(main, 'GET', '/api/oidc/grants', { cookie: await signedIn(main) }),
  'GET /api/oidc/grants 401 unauthenticated': () => call(main, 'GET', '/api/oidc/grants'),
  'GET /api/oidc/grants 503 service_unavailable': async () => call(broken, 'GET', '/api/oidc/grants', { cookie: await signedIn(main) }),

  'DELETE /api/oidc/grants/{clientId} 204': async () => {
    const { browser, uid, clientId } = await consentStep(main);
    await call(main, 'POST', `/api/oidc/interaction/${uid}/consent`, { cookie: browser.jar.header(), body: { allow: true } });
    return call(main, 'DELETE', `/api/oidc/grants/${clientId}`, { cookie: browser.jar.header() });
  },
  'DELETE /api/oidc/grants/{clientId} 401 unauthenticated': () => call(main, 'DELETE', '/api/oidc/grants/nope'),
  'DELETE /api/oidc/grants/{clientId} 403 origin_forbidden': async () => call(main, 'DELETE', '/api/oidc/grants/nope', { cookie: await signedIn(main), origin: EVIL }),
  'DELETE /api/oidc/grants/{clientId} 404 not_found': async () => call(main, 'DELETE', '/api/oidc/grants/nope', { cookie: await signedIn(main) }),
  'DELETE /api/oidc/grants/{clientId} 503 service_unavailable': async () => call(broken, 'DELETE', '/api/oidc/grants/nope', { cookie: await signedIn(main) }),

  'GET /api/config 200': () => call(main, 'GET', '/api/config'),

  'GET /api/ws 101': async () => {
    const client = await connectLiveSession({ url: liveSessionUrl(main.url), cookie: await signedIn(main) });
    const message = await client.next();
    client.ws.close();
    return { status: 101, headers: new Headers(), body: message };
  },
  'GET /api/ws 400 invalid_request': () => call(main, 'GET', '/api/ws'),
  'GET /api/ws 401 unauthenticated': () => refusalWithHeaders(connectLiveSession({ url: liveSessionUrl(main.url) })),
  'GET /api/ws 403 origin_forbidden': async () =>
    refusalWithHeaders(connectLiveSession({ url: liveSessionUrl(main.url), cookie: await signedIn(main), origin: EVIL })),

  'GET /api/ws 429 rate_limited': async () => {
    const cookie = await signedIn(main);
    const held = [];
    for (let i = 0; i < MAX_SOCKETS_PER_SESSION; i += 1) held.push(await connectLiveSession({ url: liveSessionUrl(main.url), cookie }));
    const answer = await refusalWithHeaders(connectLiveSession({ url: liveSessionUrl(main.url), cookie }));
    for (const client of held) client.ws.close();
    return answer;
  },

  'GET /api/openapi.json 200': () => call(main, 'GET', '/api/openapi.json'),
  'GET /healthz 200': () => call(main, 'GET', '/healthz'),
  'GET /readyz 200': () => call(main, 'GET', '/readyz'),
  'GET /readyz 503': () => call(broken, 'GET', '/readyz'),
  'GET /metrics 200': () => call(scraped, 'GET', '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` }),
};

// ---- the checks ----

test('the document is OpenAPI 3.1 with unique operation ids, known error codes, and every $ref resolved', () => {
  expect(openApiDocument.openapi).toBe('3.1.0');
  const ids = Object.values(openApiDocument.paths).flatMap((operations) => Object.values(operations).map((operation) => operation.operationId));
  expect(ids.every((id) => typeof id === 'string')).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  const text = JSON.stringify(openApiDocument);
  for (const [, name] of text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) expect(openApiDocument.components.schemas).toHaveProperty(name!);
  for (const key of documentedAnswers()) {
    const [, , status, code] = key.split(' ');
    if (code !== undefined) expect([code, API_ERROR_STATUS[code as keyof typeof API_ERROR_STATUS]]).toEqual([code, Number(status)]);
  }
});

test("the contract's limits are the ones this server uses", () => {
  expect(MAX_LIVE_SESSION_SOCKETS).toBe(MAX_SOCKETS_PER_SESSION);
});

test("the document lists the contract's answers, and every documented answer has a scenario here, and every scenario is documented", () => {
  expect(documentedAnswers().sort()).toEqual(contractAnswers().sort());
  expect(Object.keys(scenarios).sort()).toEqual(documentedAnswers().sort());
});

test.each(documentedAnswers())('%s', async (key) => {
  const [method, path, status, code] = key.split(' ') as [string, string, string, string | undefined];
  const operation = operationOf(method, path);
  const response: ApiResponse = operation.responses[status]!;
  const answer = await scenarios[key]!();
  expect({ key, status: answer.status }).toEqual({ key, status: Number(status) });

  if (code !== undefined) expect((answer.body as { error?: { code?: string } }).error?.code).toBe(code);
  if (status === '101') {
    // The first message on the open socket.
    expect(() => operation.messages!.parse(answer.body)).not.toThrow();
  } else if (response.schema === undefined) {
    expect(answer.body).toBe('');
  } else if (response.contentType === 'text/plain') {
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(typeof answer.body).toBe('string');
    expect(() => response.schema!.parse(answer.body)).not.toThrow();
  } else {
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    // parse, not safeParse: a mismatch fails with zod's account of every issue.
    response.schema.parse(answer.body);
  }
  for (const header of Object.keys(response.headers ?? {})) {
    if (header === 'Set-Cookie') expect(answer.headers.getSetCookie().length).toBeGreaterThan(0);
    else expect(answer.headers.get(header)).not.toBeNull();
  }
  if (path.startsWith('/api/') && status !== '101') expect(answer.headers.get('cache-control')).toBe('no-store');
});

test('every route the app serves is documented, with its methods', async () => {
  const stores = main.stores;
  const app = createApp({ config: testAppConfig(main.url), stores, clock: main.clock, random: (n) => new Uint8Array(n), logger: pino({ level: 'silent' }) });
  const served = new Set<string>();
  for (const middleware of app.middleware as Array<{ router?: { stack: Array<{ path: string; methods: string[] }> } }>) {
    for (const layer of middleware.router?.stack ?? []) {
      for (const method of layer.methods) {
        // HEAD comes with every GET.
        if (method !== 'HEAD') served.add(`${method} ${layer.path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
  }
  // Served on the public port only with METRICS_TOKEN (else on the metrics listener).
  served.add('GET /metrics');
  const documented = new Set(Object.entries(openApiDocument.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)));
  expect([...served].sort()).toEqual([...documented].sort());
});

describe('request bodies refuse keys their schema does not list', () => {
  /** A body each operation would accept, for the operations that take one (at `path` when the operation's has parameters). */
  const acceptedBodies: Record<string, () => Promise<{ body: Record<string, unknown>; cookie?: string; path?: string }>> = {
    oidcConsent: async () => {
      const { browser, uid } = await consentStep(main);
      return { body: { allow: true }, cookie: browser.jar.header(), path: `/api/oidc/interaction/${uid}/consent` };
    },
    createChallenge: async () => ({ body: { format: 'siwe', address: privateKeyToAddress(TEST_KEY) } }),
    login: async () => {
      const issued = await challenge(main);
      return { body: { sid: issued.sid, signature: signMessage({ message: issued.message, privateKey: TEST_KEY }), message: issued.message }, cookie: issued.cookie };
    },
    register: async () => {
      // Registering needs a challenge that names the address.
      const issued = await challenge(main, privateKeyToAddress(TEST_KEY));
      return { body: { sid: issued.sid, signature: signMessage({ message: issued.message, privateKey: TEST_KEY }) }, cookie: issued.cookie };
    },
  };
  const withBodies = apiOperations.filter((operation) => operation.requestBody !== undefined);

  test('the document says so for each of them', () => {
    expect(withBodies.map((operation) => operation.operationId).sort()).toEqual(Object.keys(acceptedBodies).sort());
    for (const operation of withBodies) {
      const ref = openApiDocument.paths[operation.path]![operation.method]!.requestBody!.content['application/json']!.schema.$ref!;
      expect(openApiDocument.components.schemas[ref.replace('#/components/schemas/', '')]).toMatchObject({ additionalProperties: false });
    }
  });

  test.each(withBodies.map((operation) => [operation.operationId, operation] as const))('%s: 400 invalid_request naming the key; without it the same body is accepted', async (id, operation) => {
    await signedIn(main, TEST_KEY);
    const { body, cookie, path = operation.path } = await acceptedBodies[id]!();
    const refused = await call(main, 'POST', path, { body: { ...body, admin: true }, ...(cookie ? { cookie } : {}) });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: { code: 'invalid_request', message: expect.stringContaining('"admin"') } });
    // Refused before anything was used up: the challenge still signs in.
    const accepted = await call(main, 'POST', path, { body, ...(cookie ? { cookie } : {}) });
    expect(accepted.status).toBe(200);
  });
});

test('/api/openapi.json serves the generated document, byte for byte', async () => {
  const res = await fetch(`${main.url}/api/openapi.json`);
  expect(await res.text()).toBe(JSON.stringify(createOpenApiDocument()));
  expect((await call(main, 'POST', '/api/openapi.json')).status).toBe(405);
});
