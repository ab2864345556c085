// The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json. openapi.test.ts
// checks it against the running app: every documented operation, status and error code is
// produced as documented, and every route the app serves is documented.
//
// Schemas use a small JSON Schema subset (type, properties, required, additionalProperties,
// items, enum, const, pattern, minimum, oneOf) that the test checks answers against.

import { ERROR_STATUS, type ApiErrorCode } from '../errors';
import { MAX_SOCKETS_PER_SESSION } from '../server/liveSession';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });

const ADDRESS = { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$', description: 'EIP-55 checksummed address.' };
const MS = { type: 'integer', minimum: 0, description: 'Milliseconds since the epoch.' };

/** An error answer with the given codes (all of one status). */
function errorResponse(description: string, codes: ApiErrorCode[]): JsonObject {
  const statuses = new Set(codes.map((code) => ERROR_STATUS[code]));
  if (statuses.size !== 1) throw new Error(`error codes of different statuses in one response: ${codes.join(', ')}`);
  return {
    description,
    content: json({
      type: 'object',
      required: ['error'],
      additionalProperties: false,
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          additionalProperties: false,
          properties: { code: { type: 'string', enum: codes }, message: { type: 'string' } },
        },
      },
    }),
  };
}

const cookieSet = {
  'Set-Cookie': {
    description: 'The session cookie (`wl.sid`, `__Host-wl.sid` over https, `__Secure-wl.sid` with COOKIE_DOMAIN) and its `.sig`.',
    schema: { type: 'string' },
  },
};
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } } };

// Answers shared by several operations.
const badRequest = errorResponse('Malformed body or parameter.', ['invalid_request']);
const crossSite = errorResponse('A state-changing request from a browser page on another site.', ['origin_forbidden']);
const tooLarge = errorResponse('Body over 32 KiB.', ['payload_too_large']);
const notJson = errorResponse('Body that is not application/json in UTF-8.', ['unsupported_media_type']);
const unauthenticated = errorResponse('No signed-in session.', ['unauthenticated']);
const rateLimited = { ...errorResponse('Too many requests from this IP, or failed sign-ins for this address.', ['rate_limited']), headers: retryAfter };
const unavailable = { ...errorResponse('A store is unreachable or too slow; retry later.', ['service_unavailable']), headers: retryAfter };
const challengeBusy = {
  ...errorResponse('A store is unreachable or too slow, or too many challenges are outstanding; retry later.', ['service_unavailable']),
  headers: retryAfter,
};
const signInBody = {
  required: true,
  content: json(ref('SignInRequest')),
};
const signInFailures = errorResponse('The challenge or signature does not sign anyone in.', [
  'challenge_not_found',
  'challenge_expired',
  'challenge_not_yet_valid',
  'message_mismatch',
  'signature_invalid',
]);

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'wallet-login',
    version: '0.1.0',
    summary: 'Passwordless sign-in with an Ethereum wallet signature (EIP-191 over an EIP-4361 message).',
    description:
      'JSON in, JSON out. Request bodies must be application/json (UTF-8, at most 32 KiB). Every error is ' +
      '`{ "error": { "code", "message" } }` with a stable code. Times are milliseconds since the epoch. Answers under ' +
      '/api/ carry `Cache-Control: no-store`. Sessions ride on an HttpOnly, SameSite=Lax, signed cookie holding a ' +
      'random id; state-changing requests from browser pages on sites not allowed are refused.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'auth', description: 'Challenges, sign-in and the session.' },
    { name: 'sessions', description: "The signed-in address's sessions." },
    { name: 'operations', description: 'Health, readiness, metrics and this description.' },
  ],
  paths: {
    '/api/auth/challenge': {
      post: {
        tags: ['auth'],
        operationId: 'createChallenge',
        summary: 'Issue a one-time challenge to sign.',
        description:
          'Creates a challenge bound to this browser session (and the pre-login session cookie if there is none). The ' +
          'EIP-4361 message names the origin the request came from when it is one of the allowed origins, else the public origin.',
        requestBody: { required: false, content: json(ref('ChallengeRequest')) },
        responses: {
          '200': { description: 'The challenge.', headers: cookieSet, content: json(ref('Challenge')) },
          '400': badRequest,
          '403': crossSite,
          '413': tooLarge,
          '415': notJson,
          '429': rateLimited,
          '503': challengeBusy,
        },
      },
    },
    '/api/auth/login': {
      post: {
        tags: ['auth'],
        operationId: 'login',
        summary: 'Trade a signed challenge for a session.',
        description: 'The challenge is used up by the first attempt that names it, successful or not. A new session id is issued.',
        requestBody: signInBody,
        responses: {
          '200': { description: 'Signed in.', headers: cookieSet, content: json(ref('SignedIn')) },
          '400': badRequest,
          '401': signInFailures,
          '403': errorResponse('A valid signature by an address that is not registered, or a cross-site request.', ['address_not_registered', 'origin_forbidden']),
          '413': tooLarge,
          '415': notJson,
          '429': rateLimited,
          '503': unavailable,
        },
      },
    },
    '/api/auth/register': {
      post: {
        tags: ['auth'],
        operationId: 'register',
        summary: 'Register the signer (when registration is open) and sign in.',
        requestBody: signInBody,
        responses: {
          '200': { description: 'Already registered; signed in.', headers: cookieSet, content: json(ref('SignedIn')) },
          '201': { description: 'Registered and signed in.', headers: cookieSet, content: json(ref('SignedIn')) },
          '400': badRequest,
          '401': signInFailures,
          '403': errorResponse('Registration is closed, or a cross-site request.', ['registration_closed', 'origin_forbidden']),
          '413': tooLarge,
          '415': notJson,
          '429': rateLimited,
          '503': unavailable,
        },
      },
    },
    '/api/auth/me': {
      get: {
        tags: ['auth'],
        operationId: 'me',
        summary: 'Who is signed in.',
        responses: {
          '200': { description: 'The session.', content: json(ref('Me')) },
          '401': unauthenticated,
          '503': unavailable,
        },
      },
    },
    '/api/auth/logout': {
      post: {
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
    },
    '/api/auth/sessions': {
      get: {
        tags: ['sessions'],
        operationId: 'listSessions',
        summary: "The signed-in address's live sessions, newest first.",
        responses: {
          '200': { description: 'The sessions.', content: json(ref('SessionList')) },
          '401': unauthenticated,
          '503': unavailable,
        },
      },
    },
    '/api/auth/sessions/{id}': {
      delete: {
        tags: ['sessions'],
        operationId: 'revokeSession',
        summary: 'End one of your sessions.',
        parameters: [{ name: 'id', in: 'path', required: true, description: 'A session id from the list.', schema: { type: 'string' } }],
        responses: {
          '204': { description: 'Ended.' },
          '401': unauthenticated,
          '403': crossSite,
          '404': errorResponse('Not a live session of the signed-in address.', ['not_found']),
          '503': unavailable,
        },
      },
    },
    '/api/auth/logout-all': {
      post: {
        tags: ['sessions'],
        operationId: 'logoutAll',
        summary: 'End every session of the signed-in address, this one included.',
        responses: {
          '200': { description: 'How many sessions ended.', content: json(ref('Revoked')) },
          '401': unauthenticated,
          '403': crossSite,
          '503': unavailable,
        },
      },
    },
    '/api/config': {
      get: {
        tags: ['auth'],
        operationId: 'publicConfig',
        summary: 'What the sign-in page needs to know about this server.',
        responses: { '200': { description: 'The public settings.', content: json(ref('PublicConfig')) } },
      },
    },
    '/api/ws': {
      get: {
        tags: ['auth'],
        operationId: 'liveSession',
        summary: 'The live session: a WebSocket that says who is signed in and when that ends.',
        description:
          'Upgrade with the session cookie (wss behind TLS). The server sends `{ "type": "signed_in", "address" }` on ' +
          'connect, and `{ "type": "signed_out" }` followed by a close (1000, "signed_out") the moment the session ends ' +
          'anywhere: logout, revoke or logout-all on any instance, or expiry. The client sends nothing. A browser Origin ' +
          'must be the server\'s own or an allowed origin. Without an Upgrade header the answer is 400.',
        parameters: [
          { name: 'Upgrade', in: 'header', required: true, schema: { const: 'websocket' } },
          { name: 'Connection', in: 'header', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '101': { description: 'Switching protocols: the WebSocket is open.' },
          '400': errorResponse('Not a WebSocket upgrade.', ['invalid_request']),
          '401': unauthenticated,
          '403': errorResponse('An Origin that is neither this server nor an allowed origin.', ['origin_forbidden']),
          '429': errorResponse(`This session already holds ${MAX_SOCKETS_PER_SESSION} live-session sockets on this instance.`, ['rate_limited']),
        },
        'x-websocket-messages': {
          oneOf: [ref('SignedInMessage'), ref('SignedOutMessage')],
        },
      },
    },
    '/api/openapi.json': {
      get: {
        tags: ['operations'],
        operationId: 'openApi',
        summary: 'This description.',
        responses: { '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object', required: ['openapi', 'paths'] }) } },
      },
    },
    '/healthz': {
      get: {
        tags: ['operations'],
        operationId: 'health',
        summary: 'Liveness: the process answers.',
        responses: { '200': { description: 'Alive.', content: json(ref('Health')) } },
      },
    },
    '/readyz': {
      get: {
        tags: ['operations'],
        operationId: 'readiness',
        summary: 'Readiness: whether this instance can serve sign-ins now, with each backing service.',
        description: 'For load balancers and orchestrators: take the instance out of rotation while it answers 503.',
        responses: {
          '200': { description: 'Every backing service answers.', content: json(ref('Readiness')) },
          '503': { description: 'A backing service does not answer.', content: json(ref('Readiness')) },
        },
      },
    },
    '/metrics': {
      get: {
        tags: ['operations'],
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format 0.0.4).',
        description:
          'Sign-ins by outcome (`wallet_login_logins_total`), challenge and verification latency histograms, requests by ' +
          'route, live-session sockets, and the live session and challenge counts. In a cluster, every worker\'s metrics ' +
          'aggregated. Keep it off the public internet.',
        responses: { '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: {
    schemas: {
      ChallengeRequest: {
        type: 'object',
        additionalProperties: false,
        properties: {
          format: { type: 'string', enum: ['siwe', 'json'], description: 'EIP-4361 message (default) or the JSON form.' },
          address: { ...ADDRESS, description: 'The address that will sign; the message then names it and only it may sign.' },
        },
      },
      Challenge: {
        type: 'object',
        required: ['sid', 'timestamp', 'expiresAt', 'format', 'message'],
        additionalProperties: false,
        properties: {
          sid: { type: 'string', pattern: '^[A-Za-z0-9]+$', description: 'The one-time challenge id (the EIP-4361 Nonce).' },
          timestamp: { ...MS, description: 'Issued at (EIP-4361 Issued At).' },
          expiresAt: MS,
          format: { type: 'string', enum: ['siwe', 'json'] },
          message: { type: 'string', description: 'The exact text to sign (EIP-191 personal_sign).' },
        },
      },
      SignInRequest: {
        type: 'object',
        required: ['sid', 'signature'],
        additionalProperties: false,
        properties: {
          sid: { type: 'string' },
          signature: { type: 'string', pattern: '^0x[0-9a-fA-F]{130}$', description: '65 bytes: r, s (low half), v (27/28 or 0/1).' },
          message: { type: 'string', description: 'When sent, must be the issued message byte for byte.' },
        },
      },
      SignedIn: {
        type: 'object',
        required: ['address'],
        additionalProperties: false,
        properties: { address: ADDRESS },
      },
      Me: {
        type: 'object',
        required: ['address', 'createdAt', 'expiresAt'],
        additionalProperties: false,
        properties: {
          address: ADDRESS,
          createdAt: { ...MS, description: 'When the session was signed in.' },
          expiresAt: { ...MS, description: 'When it ends if idle from now on, or its absolute end if sooner.' },
        },
      },
      SessionList: {
        type: 'object',
        required: ['sessions'],
        additionalProperties: false,
        properties: {
          sessions: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'createdAt', 'lastSeenAt', 'expiresAt', 'userAgent', 'current'],
              additionalProperties: false,
              properties: {
                id: { type: 'string' },
                createdAt: { type: ['integer', 'null'], minimum: 0 },
                lastSeenAt: { type: ['integer', 'null'], minimum: 0, description: 'To the minute.' },
                expiresAt: MS,
                userAgent: { type: ['string', 'null'] },
                current: { type: 'boolean', description: 'The session this request is made with.' },
              },
            },
          },
        },
      },
      Revoked: {
        type: 'object',
        required: ['revoked'],
        additionalProperties: false,
        properties: { revoked: { type: 'integer', minimum: 0 } },
      },
      PublicConfig: {
        type: 'object',
        required: ['domain', 'uri', 'chainId', 'registration', 'devKeySignIn'],
        properties: {
          domain: { type: 'string' },
          uri: { type: 'string' },
          chainId: { type: 'integer', minimum: 1 },
          registration: { type: 'string', enum: ['open', 'closed'] },
          devKeySignIn: { type: 'boolean' },
        },
      },
      Health: {
        type: 'object',
        required: ['status'],
        additionalProperties: false,
        properties: { status: { const: 'ok' } },
      },
      Readiness: {
        type: 'object',
        required: ['status', 'dependencies'],
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ['ready', 'unavailable'] },
          dependencies: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'ok'],
              additionalProperties: false,
              properties: {
                name: { type: 'string', enum: ['sqlite', 'redis', 'postgres'] },
                ok: { type: 'boolean' },
                latencyMs: { type: 'number', minimum: 0 },
                error: { type: 'string', description: 'Why it does not answer; never a URL or credentials.' },
              },
            },
          },
        },
      },
      SignedInMessage: {
        type: 'object',
        required: ['type', 'address'],
        additionalProperties: false,
        properties: { type: { const: 'signed_in' }, address: ADDRESS },
      },
      SignedOutMessage: {
        type: 'object',
        required: ['type'],
        additionalProperties: false,
        properties: { type: { const: 'signed_out' } },
      },
    },
  },
} satisfies JsonObject;

export type OpenApiDocument = typeof openApiDocument;
