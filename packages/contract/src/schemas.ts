// The bodies the API takes and gives, as zod schemas: the server validates requests with them,
// openapi.ts generates the document's schemas from them, and the page and the SDK take their
// types from them. Request bodies are strict (an unknown key is refused); so are the answers,
// except PublicConfig, to which the server may add settings that older pages ignore.
//
// `.meta({ id })` names a schema's component in the document; `.describe()` text lands in it too.

import { z } from 'zod';

/** Lengths and patterns the server enforces on request bodies. */
export const LIMITS = {
  /** Longest `sid` read; a sid the challenge library could not have issued is refused after. */
  sidMaxLength: 256,
  /** Longest `message` sent back with a signature. */
  messageMaxLength: 32 * 1024,
  /**
   * Largest signature, bytes: a key pair's is 65, a contract wallet's (ERC-1271, ERC-6492) can be
   * long: a Safe's many owners, a passkey wallet's WebAuthn data, a factory call for a wallet not
   * yet deployed.
   */
  signatureMaxBytes: 16 * 1024,
  /** Longest OpenID Connect interaction uid read (oidc-provider's are 21 characters). */
  interactionMaxLength: 128,
} as const;

/** How an address proved itself at sign-in. */
export const SIGN_IN_METHODS = ['eoa', 'erc1271', 'erc6492'] as const;

/** EIP-55 checksummed, or all one case when sent (the server checks the checksum of a mixed-case one). */
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'not an Ethereum address (0x + 40 hex digits)').describe('EIP-55 checksummed address.');
const epochMs = z.int().min(0).describe('Milliseconds since the epoch.');
const challengeFormat = z.enum(['siwe', 'json']);

// ---- requests ----

/** POST /api/auth/challenge (the body may be left out: the same as `{}`). */
export const challengeRequest = z
  .strictObject({
    format: challengeFormat.optional().describe('EIP-4361 message (default) or the JSON form.'),
    address: address.optional().describe('The address that will sign; the message then names it and only it may sign.'),
    interaction: z
      .string()
      .min(1)
      .max(LIMITS.interactionMaxLength)
      .optional()
      .describe(
        'The OpenID Connect interaction uid (the page\'s `interaction` parameter) this sign-in serves: the EIP-4361 message then lists the redirect URI of its authorization request under Resources. An unknown or expired uid lists none (the sign-in itself is not tied to it).',
      ),
  })
  .meta({ id: 'ChallengeRequest' });

/** POST /api/auth/login and /api/auth/register. */
export const signInRequest = z
  .strictObject({
    sid: z.string().max(LIMITS.sidMaxLength),
    // A 65-byte one is held to the challenge library's parseSignature (EIP-2 low s, v) when it is
    // a key pair's; any other is a contract wallet's, for its contract to judge.
    signature: z
      .string()
      .max(2 + 2 * LIMITS.signatureMaxBytes, `must be at most ${LIMITS.signatureMaxBytes} bytes (0x and ${2 * LIMITS.signatureMaxBytes} hex digits)`)
      .regex(/^0x(?:[0-9a-fA-F]{2})+$/, 'must be 0x followed by an even number of hex digits')
      .describe(
        "A key pair's (EOA) 65 bytes: r, s (low half), v (27/28 or 0/1). Or a contract wallet's, up to 16 KiB, checked on " +
          'the chain (ERC-1271 isValidSignature; ERC-6492-wrapped for a wallet not yet deployed): the challenge must then name the address.',
      ),
    message: z.string().max(LIMITS.messageMaxLength).optional().describe('When sent, must be the issued message byte for byte.'),
  })
  .meta({ id: 'SignInRequest' });

/** POST /api/oidc/interaction/{uid}/consent. */
export const consentRequest = z
  .strictObject({
    allow: z.boolean().describe('true: Allow (remembered for this application and address until revoked); false: Deny (the application hears access_denied).'),
  })
  .meta({ id: 'ConsentRequest' });

// ---- answers ----

/** 200 from POST /api/auth/challenge. */
export const challengeResponse = z
  .strictObject({
    sid: z.string().regex(/^[A-Za-z0-9]+$/).describe('The one-time challenge id (the EIP-4361 Nonce).'),
    timestamp: epochMs.describe('Issued at (EIP-4361 Issued At).'),
    expiresAt: epochMs,
    format: challengeFormat,
    message: z.string().describe('The exact text to sign (EIP-191 personal_sign).'),
  })
  .meta({ id: 'Challenge' });

/** 200/201 from POST /api/auth/login and /api/auth/register. */
export const signedInResponse = z.strictObject({ address }).meta({ id: 'SignedIn' });

/** 200 from GET /api/auth/me. */
export const meResponse = z
  .strictObject({
    address,
    createdAt: epochMs.describe('When the session was signed in.'),
    expiresAt: epochMs.describe('When it ends if idle from now on, or its absolute end if sooner.'),
    method: z
      .enum(SIGN_IN_METHODS)
      .describe(
        "How the address proved itself: `eoa` a key pair's signature; `erc1271` a deployed contract wallet's (isValidSignature); " +
          '`erc6492` a contract wallet\'s wrapped signature (ERC-6492, deployed or not). A contract wallet\'s session is checked again on the chain now and then, and ends when its contract no longer accepts the sign-in.',
      ),
  })
  .meta({ id: 'Me' });

/** One entry of GET /api/auth/sessions. */
export const sessionInfo = z.strictObject({
  id: z.string(),
  createdAt: z.int().min(0).nullable(),
  lastSeenAt: z.int().min(0).nullable().describe('To the minute.'),
  expiresAt: epochMs,
  userAgent: z.string().nullable(),
  current: z.boolean().describe('The session this request is made with.'),
});

/** 200 from GET /api/auth/sessions: newest first. */
export const sessionListResponse = z.strictObject({ sessions: z.array(sessionInfo) }).meta({ id: 'SessionList' });

/** 200 from POST /api/auth/logout-all. */
export const revokedResponse = z.strictObject({ revoked: z.int().min(0) }).meta({ id: 'Revoked' });

/** 200 from GET /api/config. Not strict: a newer server may add settings. */
export const publicConfig = z
  .object({
    domain: z.string(),
    uri: z.string(),
    chainId: z.int().min(1),
    registration: z.enum(['open', 'closed']),
    devKeySignIn: z.boolean(),
    challengeFormats: z.array(challengeFormat).describe('The challenge forms this server issues (CHALLENGE_FORMATS): siwe always; json only when enabled for development tooling.'),
    returnOrigins: z
      .array(z.string())
      .describe('Origins the page may return to after signing in (`?return_to=`): PUBLIC_ORIGIN and ALLOWED_ORIGINS.'),
    cookieDomain: z
      .string()
      .nullable()
      .describe('COOKIE_DOMAIN: the page may also return to an http(s) origin whose host is it or under it. null when unset.'),
  })
  .meta({ id: 'PublicConfig' });

/** 200 from GET /api/oidc/interaction/{uid}: the OpenID Connect authorization request the sign-in page serves. */
export const oidcInteraction = z
  .strictObject({
    uid: z.string(),
    prompt: z.enum(['login', 'consent']).describe('The step: sign in (login), or Allow / Deny (consent).'),
    client: z.strictObject({
      clientId: z.string(),
      name: z.string().describe('"Sign in to <name>".'),
      redirectUri: z.string().describe('Where the sign-in goes back to (also listed under the EIP-4361 Resources of its challenge).'),
      redirectHost: z.string().describe('The host of redirectUri, to show.'),
    }),
    scopes: z.array(z.string()).describe('The scopes asked for (openid, profile, offline_access).'),
    missingScopes: z.array(z.string()).describe('At the consent step: the scopes not yet allowed.'),
    signatureRequired: z.boolean().describe('At the login step: whether a wallet signature is needed first (no session, or the application forces a fresh one with prompt=login or max_age). False: single sign-on, post .../login at once.'),
    signedIn: z.strictObject({ address }).nullable().describe("This browser's wallet-login session, if any."),
    expiresAt: epochMs.describe('When the request expires.'),
  })
  .meta({ id: 'OidcInteraction' });

/** 200 from POST /api/oidc/interaction/{uid}/login and .../consent. */
export const oidcInteractionResult = z
  .strictObject({ redirectTo: z.string().describe('Navigate the browser here: the provider carries on (the next step, or back to the application).') })
  .meta({ id: 'OidcInteractionResult' });

/** 200 from GET /api/oidc/grants: the applications the signed-in address allowed, newest first. */
export const oidcGrantList = z
  .strictObject({
    grants: z.array(
      z.strictObject({
        clientId: z.string(),
        name: z.string(),
        scopes: z.array(z.string()),
        approvedAt: epochMs,
      }),
    ),
  })
  .meta({ id: 'OidcGrantList' });

/** 200 from GET /healthz. */
export const healthResponse = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

/** One backing service in GET /readyz. */
export const dependencyStatus = z.strictObject({
  name: z
    .union([z.enum(['sqlite', 'redis', 'postgres']), z.string().regex(/^rpc:[1-9][0-9]*$/)])
    .describe('A store, or `rpc:<chainId>`: a contract-wallet RPC (RPC_URLS), listed but not deciding readiness (only contract-wallet sign-ins need it).'),
  ok: z.boolean(),
  latencyMs: z.number().min(0).optional(),
  error: z.string().optional().describe('Why it does not answer; never a URL or credentials.'),
});

/** 200 or 503 from GET /readyz. */
export const readinessResponse = z
  .strictObject({
    status: z.enum(['ready', 'unavailable']),
    dependencies: z.array(dependencyStatus),
  })
  .meta({ id: 'Readiness' });

/** 200 from GET /api/openapi.json: the document (openapi.ts), checked here only for its two required keys. */
export const openApiResponse = z.object({ openapi: z.unknown(), paths: z.unknown() });

/** 200 from GET /metrics: Prometheus text exposition format 0.0.4. */
export const metricsResponse = z.string();

// ---- the live session (GET /api/ws): what the server sends; the client sends nothing ----

export const signedInMessage = z.strictObject({ type: z.literal('signed_in'), address }).meta({ id: 'SignedInMessage' });
export const signedOutMessage = z.strictObject({ type: z.literal('signed_out') }).meta({ id: 'SignedOutMessage' });
export const liveSessionMessage = z.discriminatedUnion('type', [signedInMessage, signedOutMessage]);

// ---- the types ----

export type ChallengeRequest = z.infer<typeof challengeRequest>;
export type ConsentRequest = z.infer<typeof consentRequest>;
export type OidcInteraction = z.infer<typeof oidcInteraction>;
export type OidcInteractionResult = z.infer<typeof oidcInteractionResult>;
export type OidcGrantList = z.infer<typeof oidcGrantList>;
export type SignInRequest = z.infer<typeof signInRequest>;
export type ChallengeResponse = z.infer<typeof challengeResponse>;
export type SignedInResponse = z.infer<typeof signedInResponse>;
export type MeResponse = z.infer<typeof meResponse>;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];
export type SessionInfo = z.infer<typeof sessionInfo>;
export type SessionListResponse = z.infer<typeof sessionListResponse>;
export type RevokedResponse = z.infer<typeof revokedResponse>;
export type PublicConfig = z.infer<typeof publicConfig>;
export type HealthResponse = z.infer<typeof healthResponse>;
export type DependencyStatus = z.infer<typeof dependencyStatus>;
export type ReadinessResponse = z.infer<typeof readinessResponse>;
export type SignedInMessage = z.infer<typeof signedInMessage>;
export type SignedOutMessage = z.infer<typeof signedOutMessage>;
export type LiveSessionMessage = z.infer<typeof liveSessionMessage>;
