// Reading stored records back: a store keeps challenges and sessions as JSON text, and a row
// that is corrupt (hand-edited, truncated, from another program) must read as absent, never
// crash a request or hand back a half-formed value. Shared by every store that keeps JSON.

import type { AuditAction, AuditEntry, OidcClient, SessionData, SigningKey, StoredChallenge } from './types';

/** A stored JSON object, or undefined when the text is not one. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The challenge `value` holds for `sid`, or undefined when a field is missing or of the wrong
 * type. `domain` and `uri` may be missing (a challenge stored by a version that did not keep
 * them): the challenge then reads without them.
 */
export function toStoredChallenge(sid: string, value: Record<string, unknown> | undefined): StoredChallenge | undefined {
  if (
    value === undefined ||
    value.sid !== sid ||
    typeof value.timestamp !== 'number' ||
    typeof value.expiresAt !== 'number' ||
    (value.format !== 'siwe' && value.format !== 'json') ||
    typeof value.message !== 'string' ||
    typeof value.binding !== 'string' ||
    (value.domain !== undefined && typeof value.domain !== 'string') ||
    (value.uri !== undefined && typeof value.uri !== 'string') ||
    (value.chainId !== undefined && !Number.isSafeInteger(value.chainId)) ||
    (value.address !== undefined && typeof value.address !== 'string')
  ) {
    return undefined;
  }
  return {
    sid, timestamp: value.timestamp, expiresAt: value.expiresAt, format: value.format, message: value.message, binding: value.binding,
    ...(value.domain !== undefined ? { domain: value.domain } : {}),
    ...(value.uri !== undefined ? { uri: value.uri } : {}),
    ...(value.chainId !== undefined ? { chainId: value.chainId as number } : {}),
    ...(value.address !== undefined ? { address: value.address } : {}),
  };
}

/** Session data from its JSON text, or undefined when corrupt. */
export function parseSession(text: string): SessionData | undefined {
  const value = parseObject(text);
  if (value === undefined || (value.address !== undefined && typeof value.address !== 'string')) return undefined;
  return value as SessionData;
}

const AUDIT_ACTIONS: ReadonlySet<string> = new Set<AuditAction>([
  'login', 'register', 'logout', 'logout_all', 'revoke',
  'oidc_token', 'oidc_introspection', 'oidc_revocation', 'oidc_login', 'oidc_consent', 'oidc_end_session',
]);

/** A stored audit action, or 'unknown' for one this version does not know (a newer writer's). */
export function toAuditAction(value: string): AuditAction | 'unknown' {
  return AUDIT_ACTIONS.has(value) ? (value as AuditAction) : 'unknown';
}

/** An audit row as the SQL stores read it back (PostgreSQL returns a BIGINT as text). */
export interface AuditRow {
  at: number | string;
  action: string;
  outcome: string;
  address: string | null;
  ip: string;
  user_agent: string | null;
  instance: string;
  method: string | null;
}

/** The entry an audit row holds; absent columns are absent fields. */
export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    at: Number(row.at),
    action: toAuditAction(row.action),
    outcome: row.outcome,
    ...(row.address !== null ? { address: row.address } : {}),
    ...(row.method !== null ? { method: row.method } : {}),
    ip: row.ip,
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : {}),
    instance: row.instance,
  };
}

const strings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A stored OpenID Connect client from its JSON text, or undefined when corrupt. */
export function parseClient(text: string): OidcClient | undefined {
  const value = parseObject(text);
  if (
    value === undefined ||
    typeof value.clientId !== 'string' ||
    typeof value.name !== 'string' ||
    !strings(value.redirectUris) ||
    !strings(value.postLogoutRedirectUris) ||
    (value.tokenEndpointAuthMethod !== 'client_secret_basic' && value.tokenEndpointAuthMethod !== 'client_secret_post' && value.tokenEndpointAuthMethod !== 'none') ||
    (value.secretHash !== undefined && typeof value.secretHash !== 'string') ||
    (value.idTokenSignedResponseAlg !== 'ES256' && value.idTokenSignedResponseAlg !== 'RS256') ||
    typeof value.createdAt !== 'number'
  ) {
    return undefined;
  }
  return {
    clientId: value.clientId, name: value.name, redirectUris: value.redirectUris, postLogoutRedirectUris: value.postLogoutRedirectUris,
    tokenEndpointAuthMethod: value.tokenEndpointAuthMethod,
    ...(value.secretHash !== undefined ? { secretHash: value.secretHash } : {}),
    idTokenSignedResponseAlg: value.idTokenSignedResponseAlg, createdAt: value.createdAt,
  };
}

/** A stored signing key from its JSON text, or undefined when corrupt. */
export function parseSigningKey(text: string): SigningKey | undefined {
  const value = parseObject(text);
  if (
    value === undefined ||
    typeof value.kid !== 'string' ||
    (value.alg !== 'ES256' && value.alg !== 'RS256') ||
    typeof value.jwk !== 'object' || value.jwk === null || Array.isArray(value.jwk) ||
    typeof value.createdAt !== 'number'
  ) {
    return undefined;
  }
  return { kid: value.kid, alg: value.alg, jwk: value.jwk as Record<string, unknown>, createdAt: value.createdAt };
}
