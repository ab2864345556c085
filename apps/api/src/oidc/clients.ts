// Relying parties as the clients CLI registers them, and as oidc-provider reads them (client
// metadata, OpenID Connect Dynamic Client Registration 1.0 §2). A confidential client's secret is
// 256 random bits, shown once and kept as its SHA-256: a secret with that much entropy needs no
// slow hash (no dictionary to try), and the comparison is constant-time.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientAuthMethod, OidcClient } from '../stores/types';

export interface NewClientInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** A public client (a native or single-page app): no secret, PKCE required. @default false */
  public?: boolean;
  /** @default 'client_secret_basic' (confidential clients only) */
  tokenEndpointAuthMethod?: Exclude<ClientAuthMethod, 'none'>;
  /** @default 'ES256' */
  idTokenSignedResponseAlg?: OidcClient['idTokenSignedResponseAlg'];
}

/** A client input that cannot be registered; the message says what to fix. */
export class ClientInputError extends Error {
  override readonly name = 'ClientInputError';
}

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Whether `secret` is the one whose hash is `secretHash`, in constant time. */
export function verifyClientSecret(secretHash: string | undefined, secret: unknown): boolean {
  if (secretHash === undefined || typeof secret !== 'string') return false;
  const expected = Buffer.from(secretHash, 'utf8');
  const actual = Buffer.from(hashClientSecret(secret), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * A redirect URI as OAuth 2.0 wants it (RFC 6749 §3.1.2): absolute, no fragment; https, or http
 * on a loopback host (RFC 8252 §7.3), or a private-use scheme for native apps (RFC 8252 §7.1).
 */
export function checkRedirectUri(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ClientInputError(`${what} is not an absolute URI: "${value}"`);
  }
  if (url.hash !== '' || value.includes('#')) throw new ClientInputError(`${what} must not have a fragment: "${value}"`);
  if (url.username !== '' || url.password !== '') throw new ClientInputError(`${what} must not carry credentials: "${value}"`);
  if (url.protocol === 'http:') {
    const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(url.hostname);
    if (!loopback) throw new ClientInputError(`${what} must be https (http only on a loopback host): "${value}"`);
  } else if (url.protocol !== 'https:' && !/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) {
    throw new ClientInputError(`${what} must be https, http on a loopback host, or a reverse-domain private-use scheme: "${value}"`);
  }
  return value;
}

/**
 * A new client from `input`: its id and, for a confidential client, its secret (to show once)
 * from `random`. Throws ClientInputError for an input that cannot be registered.
 */
export function createClient(input: NewClientInput, options: { random: (length: number) => Uint8Array; now: number }): { client: OidcClient; secret?: string } {
  const name = input.name.trim();
  if (name === '' || name.length > 100) throw new ClientInputError('--name must be 1 to 100 characters');
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(name)) throw new ClientInputError('--name must not contain control or bidi characters');
  if (input.redirectUris.length === 0) throw new ClientInputError('give at least one --redirect-uri');
  const redirectUris = [...new Set(input.redirectUris.map((uri) => checkRedirectUri(uri, '--redirect-uri')))];
  const postLogoutRedirectUris = [...new Set((input.postLogoutRedirectUris ?? []).map((uri) => checkRedirectUri(uri, '--post-logout-redirect-uri')))];
  const clientId = Buffer.from(options.random(16)).toString('base64url');
  const base = { clientId, name, redirectUris, postLogoutRedirectUris, idTokenSignedResponseAlg: input.idTokenSignedResponseAlg ?? 'ES256', createdAt: options.now } as const;
  if (input.public) return { client: { ...base, tokenEndpointAuthMethod: 'none' } };
  const secret = Buffer.from(options.random(32)).toString('base64url');
  return { client: { ...base, tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_basic', secretHash: hashClientSecret(secret) }, secret };
}

/**
 * oidc-provider's metadata for `client`. `client_secret` is the stored hash: the provider's
 * secret comparison is replaced by verifyClientSecret, and no feature that would use the secret
 * as a key (client_secret_jwt, HS256, symmetric encryption) is enabled.
 */
export function toClientMetadata(client: OidcClient): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_name: client.name,
    // A private-use scheme is a native app's (RFC 8252 §7.1); oidc-provider checks URIs by type.
    application_type: client.redirectUris.some((uri) => !/^https?:/.test(uri)) ? 'native' : 'web',
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    ...(client.secretHash !== undefined ? { client_secret: client.secretHash } : {}),
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    // auth_time in every ID token (OpenID Connect Core §2).
    require_auth_time: true,
  };
}
