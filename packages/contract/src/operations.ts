// Every route the API serves: path, method, what it takes and every answer it gives (status,
// description, body schema, error codes, headers). openapi.ts turns this table into the OpenAPI
// document; the API's openapi.test.ts makes a real request for every answer listed here and
// parses the body with the schema listed here.

import { z } from 'zod';
import { API_ERROR_STATUS, createErrorBodySchema, type ApiErrorCode } from './errors';
import {
  challengeRequest,
  challengeResponse,
  consentRequest,
  healthResponse,
  liveSessionMessage,
  meResponse,
  metricsResponse,
  oidcGrantList,
  oidcInteraction,
  oidcInteractionResult,
  openApiResponse,
  publicConfig,
  readinessResponse,
  revokedResponse,
  sessionListResponse,
  signedInResponse,
  signInRequest,
} from './schemas';

/** Open sockets one session may hold on one instance (tabs of one browser); more are refused with 429. */
export const MAX_LIVE_SESSION_SOCKETS = 16;

export type HttpMethod = 'get' | 'post' | 'delete';

export interface ApiHeader {
  description?: string;
  schema: z.ZodType;
}

export interface ApiParameter {
  name: string;
  in: 'path' | 'header';
  required: true;
  description?: string;
  schema: z.ZodType;
}

export interface ApiResponse {
  description: string;
  /** The body's schema; absent when the answer has no body. */
  schema?: z.ZodType;
  /** @default 'application/json' */
  contentType?: 'application/json' | 'text/plain';
  /** For an error answer: the codes it may carry (all of one status); `schema` is their error body. */
  codes?: readonly ApiErrorCode[];
  headers?: Readonly<Record<string, ApiHeader>>;
}

export interface ApiOperation {
  path: string;
  method: HttpMethod;
  operationId: string;
  tags: readonly string[];
  summary: string;
  description?: string;
  parameters?: readonly ApiParameter[];
  requestBody?: { required: boolean; schema: z.ZodType };
  /** Keyed by HTTP status. */
  responses: Readonly<Record<string, ApiResponse>>;
  /** For the WebSocket route: what the server sends once the socket is open. */
  messages?: z.ZodType;
}

/** An error answer with the given codes (all of one status). */
function errorResponse(description: string, codes: [ApiErrorCode, ...ApiErrorCode[]]): ApiResponse {
  const statuses = new Set(codes.map((code) => API_ERROR_STATUS[code]));
  if (statuses.size !== 1) throw new Error(`error codes of different statuses in one response: ${codes.join(', ')}`);
  return { description, codes, schema: createErrorBodySchema(codes) };
}

const text = z.string();
const cookieSet: Record<string, ApiHeader> = {
  'Set-Cookie': {
    description: 'The session cookie (`wl.sid`, `__Host-wl.sid` over https, `__Secure-wl.sid` with COOKIE_DOMAIN) and its `.sig`.',
    schema: text,
  },
};
const retryAfter: Record<string, ApiHeader> = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: text } };

// Answers shared by several operations.
const badBody = errorResponse('Malformed body or parameter, or a body key its schema does not list (unknown keys are refused).', ['invalid_request']);
const crossSite = errorResponse('A state-changing request from a browser page on another site.', ['origin_forbidden']);
const tooLarge = errorResponse('Body over 96 KiB.', ['payload_too_large']);
const notJson = errorResponse('Body that is not application/json in UTF-8.', ['unsupported_media_type']);
const unauthenticated = errorResponse('No signed-in session.', ['unauthenticated']);
const rateLimited = { ...errorResponse('Too many requests from this IP, or failed sign-ins for this address.', ['rate_limited']), headers: retryAfter };
const unavailable = { ...errorResponse('A store is unreachable or too slow; retry later.', ['service_unavailable']), headers: retryAfter };
const challengeBusy = {
  ...errorResponse('A store is unreachable or too slow, or too many challenges are outstanding; retry later.', ['service_unavailable']),
  headers: retryAfter,
};
const signInBody = { required: true, schema: signInRequest };
const interactionUid: ApiParameter = { name: 'uid', in: 'path', required: true, description: 'The `interaction` query parameter of the page.', schema: text };
const interactionNotFound = errorResponse('No such request in this browser (no interaction cookie, or it expired or was completed).', ['not_found']);
const signInUnavailable = {
  ...errorResponse(
    "A store is unreachable or too slow, or a contract wallet's signature could not be checked: its chain's RPC is away, " +
      'answered an error or took longer than RPC_TIMEOUT_MS (never read as an invalid signature); retry later.',
    ['service_unavailable'],
  ),
  headers: retryAfter,
};
const signInFailures = errorResponse(
  "The challenge or signature does not sign anyone in: signature_invalid also when a contract wallet's contract refuses it, " +
    'or when the chain has no RPC (RPC_URLS) to ask.',
  ['challenge_not_found', 'challenge_expired', 'challenge_not_yet_valid', 'message_mismatch', 'signature_invalid'],
);

/** What login and register answer alike when they sign nobody in (403 is each one's own). */
const signInRefusals = {
  '400': badBody,
  '401': signInFailures,
  '413': tooLarge,
  '415': notJson,
  '429': rateLimited,
  '503': signInUnavailable,
};

/** A DELETE of one thing of the signed-in address's, named by a path parameter: 204, or 404 when it is not one. */
function removal(spec: {
  path: string;
  tags: string[];
  operationId: string;
  summary: string;
  parameter: { name: string; description?: string };
  done: string;
  notFound: string;
}): ApiOperation {
  const { name, description } = spec.parameter;
  return {
    path: spec.path,
    method: 'delete',
    tags: spec.tags,
    operationId: spec.operationId,
    summary: spec.summary,
    parameters: [{ name, in: 'path', required: true, ...(description !== undefined ? { description } : {}), schema: text }],
    responses: {
      '204': { description: spec.done },
      '401': unauthenticated,
      '403': crossSite,
      '404': errorResponse(spec.notFound, ['not_found']),
      '503': unavailable,
    },
  };
}

export const apiOperations: readonly ApiOperation[] = [
  {
    path: '/api/auth/challenge',
    method: 'post',
    tags: ['auth'],
    operationId: 'createChallenge',
    summary: 'Issue a one-time challenge to sign.',
    description:
      'Creates a challenge bound to this browser session (and the pre-login session cookie if there is none). The ' +
      'EIP-4361 message names the origin the request came from when it is one of the allowed origins, else the public origin. ' +
      'With `interaction` (the sign-in page serving an OpenID Connect request), the message lists that request\'s redirect URI ' +
      'under Resources, so the wallet shows where the sign-in goes on to; an unknown or expired interaction lists none.',
    requestBody: { required: false, schema: challengeRequest },
    responses: {
      '200': { description: 'The challenge.', headers: cookieSet, schema: challengeResponse },
      '400': badBody,
      '403': crossSite,
      '413': tooLarge,
      '415': notJson,
      '429': rateLimited,
      '503': challengeBusy,
    },
  },
  {
    path: '/api/auth/login',
    method: 'post',
    tags: ['auth'],
    operationId: 'login',
    summary: 'Trade a signed challenge for a session.',
    description:
      'The challenge is used up by the first attempt from the browser session it was issued to, successful or not (an attempt ' +
      "from another session uses nothing up). A new session id is issued. A key pair's 65-byte signature that recovers to " +
      "the named address signs in without asking the chain; any other signature is a contract wallet's, checked on the " +
      "chain's RPC (ERC-1271, ERC-6492) and needing a challenge that names the address.",
    requestBody: signInBody,
    responses: {
      '200': { description: 'Signed in.', headers: cookieSet, schema: signedInResponse },
      ...signInRefusals,
      '403': errorResponse('A valid signature by an address that is not registered, or a cross-site request.', ['address_not_registered', 'origin_forbidden']),
    },
  },
  {
    path: '/api/auth/register',
    method: 'post',
    tags: ['auth'],
    operationId: 'register',
    summary: 'Register the signer (when registration is open) and sign in.',
    description:
      'Takes the same body as login, over a challenge that names the address (asked for with `{"address"}`; EIP-4361, or the JSON form where CHALLENGE_FORMATS lists it): over one that names none, any signature recovers to some address, so it is refused with 400 invalid_request and the challenge stays usable. An address already registered is signed in (200).',
    requestBody: signInBody,
    responses: {
      '200': { description: 'Already registered; signed in.', headers: cookieSet, schema: signedInResponse },
      '201': { description: 'Registered and signed in.', headers: cookieSet, schema: signedInResponse },
      ...signInRefusals,
      '403': errorResponse('Registration is closed, or a cross-site request.', ['registration_closed', 'origin_forbidden']),
    },
  },
  {
    path: '/api/auth/me',
    method: 'get',
    tags: ['auth'],
    operationId: 'me',
    summary: 'Who is signed in.',
    responses: {
      '200': { description: 'The session.', schema: meResponse },
      '401': unauthenticated,
      '503': unavailable,
    },
  },
  {
    path: '/api/auth/logout',
    method: 'post',
    tags: ['auth'],
    operationId: 'logout',
    summary: 'End this session.',
    description: 'Deletes the session on the server, clears the cookie, and signs out its live-session sockets on every instance.',
    responses: {
      '204': { description: 'Signed out (also when no one was signed in).' },
      '403': crossSite,
      '503': unavailable,
    },
  },
  {
    path: '/api/auth/sessions',
    method: 'get',
    tags: ['sessions'],
    operationId: 'listSessions',
    summary: "The signed-in address's live sessions, newest first.",
    responses: {
      '200': { description: 'The sessions.', schema: sessionListResponse },
      '401': unauthenticated,
      '503': unavailable,
    },
  },
  removal({
    path: '/api/auth/sessions/{id}',
    tags: ['sessions'],
    operationId: 'revokeSession',
    summary: 'End one of your sessions.',
    parameter: { name: 'id', description: 'A session id from the list.' },
    done: 'Ended.',
    notFound: 'Not a live session of the signed-in address.',
  }),
  {
    path: '/api/auth/logout-all',
    method: 'post',
    tags: ['sessions'],
    operationId: 'logoutAll',
    summary: 'End every session of the signed-in address, this one included.',
    responses: {
      '200': { description: 'How many sessions ended.', schema: revokedResponse },
      '401': unauthenticated,
      '403': crossSite,
      '503': unavailable,
    },
  },
  {
    path: '/api/auth/verify',
    method: 'get',
    tags: ['auth'],
    operationId: 'verify',
    summary: 'Forward auth: whether the cookie is a live session (for nginx auth_request, Traefik ForwardAuth, Caddy forward_auth).',
    description:
      'Reads the session cookie and the session store only: it rewrites nothing (no cookie, no session write, no ' +
      'activity noted). 204 with the address for a live signed-in session, 401 otherwise. See deploy/nginx-forward-auth.conf.',
    responses: {
      '204': {
        description: 'A live signed-in session.',
        headers: {
          'X-Wallet-Address': { description: 'The signed-in address (EIP-55).', schema: text },
          'X-Wallet-Session-Expires': { description: 'When the session ends unless used again, or its absolute end if sooner (ms since the epoch).', schema: text },
        },
      },
      '401': unauthenticated,
      '503': unavailable,
    },
  },
  {
    path: '/api/oidc/interaction/{uid}',
    method: 'get',
    tags: ['oidc'],
    operationId: 'oidcInteraction',
    summary: 'The OpenID Connect authorization request the sign-in page was sent to serve (`/?interaction=<uid>`).',
    description: "Needs the provider's interaction cookie of this browser (set with the redirect to the page).",
    parameters: [interactionUid],
    responses: {
      '200': { description: 'The request and its current step.', schema: oidcInteraction },
      '404': interactionNotFound,
      '503': unavailable,
    },
  },
  {
    path: '/api/oidc/interaction/{uid}/login',
    method: 'post',
    tags: ['oidc'],
    operationId: 'oidcLogin',
    summary: "Complete the login step with this browser's signed-in session.",
    description:
      'Sign in first (challenge, then login) unless `signatureRequired` is false (single sign-on). Then navigate to `redirectTo`.',
    parameters: [interactionUid],
    responses: {
      '200': { description: 'Login step done.', schema: oidcInteractionResult },
      '400': errorResponse('The request is not at its login step.', ['invalid_request']),
      '401': errorResponse('Not signed in, or the application asks for a fresher signature than this session has (prompt=login, max_age).', ['unauthenticated', 'reauthentication_required']),
      '403': crossSite,
      '404': interactionNotFound,
      '503': unavailable,
    },
  },
  {
    path: '/api/oidc/interaction/{uid}/consent',
    method: 'post',
    tags: ['oidc'],
    operationId: 'oidcConsent',
    summary: 'Allow or Deny the application.',
    description: 'Allow is remembered for this application and address (GET /api/oidc/grants); Deny is not. Then navigate to `redirectTo`.',
    parameters: [interactionUid],
    requestBody: { required: true, schema: consentRequest },
    responses: {
      '200': { description: 'Consent step done.', schema: oidcInteractionResult },
      '400': errorResponse('Malformed body, or the request is not at its consent step.', ['invalid_request']),
      '401': errorResponse('Not signed in as the account of this request.', ['unauthenticated']),
      '403': crossSite,
      '404': interactionNotFound,
      '413': tooLarge,
      '415': notJson,
      '503': unavailable,
    },
  },
  {
    path: '/api/oidc/grants',
    method: 'get',
    tags: ['oidc'],
    operationId: 'oidcGrants',
    summary: 'The applications the signed-in address allowed (remembered consents), newest first.',
    responses: {
      '200': { description: 'The remembered Allows.', schema: oidcGrantList },
      '401': unauthenticated,
      '503': unavailable,
    },
  },
  removal({
    path: '/api/oidc/grants/{clientId}',
    tags: ['oidc'],
    operationId: 'revokeOidcGrant',
    summary: "Forget an Allow and revoke that application's tokens; its next sign-in asks again.",
    parameter: { name: 'clientId' },
    done: 'Revoked.',
    notFound: 'No remembered Allow of that application.',
  }),
  {
    path: '/api/config',
    method: 'get',
    tags: ['auth'],
    operationId: 'publicConfig',
    summary: 'What the sign-in page needs to know about this server.',
    responses: { '200': { description: 'The public settings.', schema: publicConfig } },
  },
  {
    path: '/api/ws',
    method: 'get',
    tags: ['auth'],
    operationId: 'liveSession',
    summary: 'The live session: a WebSocket that says who is signed in and when that ends.',
    description:
      'Upgrade with the session cookie (wss behind TLS). The server sends `{ "type": "signed_in", "address" }` on ' +
      'connect, and `{ "type": "signed_out" }` followed by a close (1000, "signed_out") the moment the session ends ' +
      'anywhere: logout, revoke or logout-all on any instance, or expiry. The client sends nothing. A browser Origin ' +
      "must be the server's own or an allowed origin. Without an Upgrade header the answer is 400.",
    parameters: [
      { name: 'Upgrade', in: 'header', required: true, schema: z.literal('websocket') },
      { name: 'Connection', in: 'header', required: true, schema: text },
    ],
    responses: {
      '101': { description: 'Switching protocols: the WebSocket is open.' },
      '400': errorResponse('Not a WebSocket upgrade.', ['invalid_request']),
      '401': unauthenticated,
      '403': errorResponse('An Origin that is neither this server nor an allowed origin.', ['origin_forbidden']),
      '429': errorResponse(`This session already holds ${MAX_LIVE_SESSION_SOCKETS} live-session sockets on this instance.`, ['rate_limited']),
    },
    messages: liveSessionMessage,
  },
  {
    path: '/api/openapi.json',
    method: 'get',
    tags: ['operations'],
    operationId: 'openApi',
    summary: 'This description.',
    responses: { '200': { description: 'The OpenAPI 3.1 document.', schema: openApiResponse } },
  },
  {
    path: '/healthz',
    method: 'get',
    tags: ['operations'],
    operationId: 'health',
    summary: 'Liveness: the process answers.',
    responses: { '200': { description: 'Alive.', schema: healthResponse } },
  },
  {
    path: '/readyz',
    method: 'get',
    tags: ['operations'],
    operationId: 'readiness',
    summary: 'Readiness: whether this instance can serve sign-ins now, with each backing service.',
    description:
      'For load balancers and orchestrators: take the instance out of rotation while it answers 503. Each contract-wallet ' +
      'RPC (RPC_URLS) is listed as `rpc:<chainId>` with its state, but does not make the instance unavailable: while it ' +
      'is away only contract-wallet sign-ins fail (503), key-pair sign-ins go on.',
    responses: {
      '200': { description: 'Every store answers.', schema: readinessResponse },
      '503': { description: 'A store does not answer.', schema: readinessResponse },
    },
  },
  {
    path: '/metrics',
    method: 'get',
    tags: ['operations'],
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format 0.0.4).',
    description:
      'Sign-ins by outcome (`wallet_login_logins_total`), challenge and verification latency histograms, requests by ' +
      'route, live-session sockets, the live session and challenge counts, and contract-wallet checks at each RPC by ' +
      "outcome (`wallet_login_rpc_checks_total`, `wallet_login_rpc_check_duration_seconds`). In a cluster, every worker's " +
      'metrics aggregated. Keep it off the public internet.',
    responses: { '200': { description: 'The metrics.', contentType: 'text/plain', schema: metricsResponse } },
  },
];
