// The provider's signing keys: generated once (an ES256 and an RS256 key) and kept in the durable
// store, so every instance signs with the same keys and a restart keeps them; never in the image.
// Rotation adds a new key of each algorithm, which signs from then on; an older key stays
// published at the JWKS until every token it signed has expired.

import { createHash, generateKeyPairSync } from 'node:crypto';
import type { Clock, SigningKey, SigningKeyStore } from '../stores/types';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;

/** The canonical members of a public JWK, in lexicographic order (RFC 7638 §3.2). */
const THUMBPRINT_MEMBERS: Record<string, string[]> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'] };

/** The RFC 7638 JWK thumbprint (SHA-256, base64url): the key's id. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/** A new private key for `alg`: P-256 for ES256 (RFC 7518 §3.4), 2048-bit RSA for RS256 (§3.3). */
export function generateSigningKey(alg: SigningKey['alg'], now: number): SigningKey {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = jwkThumbprint(jwk);
  return { kid, alg, createdAt: now, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

/**
 * The stored keys, generating the first key of each algorithm when there is none. Instances
 * starting together may each add one; every instance then reads the same set back.
 */
export async function loadSigningKeys(store: SigningKeyStore, clock: Clock): Promise<SigningKey[]> {
  let keys = await store.list();
  const missing = SIGNING_ALGORITHMS.filter((alg) => !keys.some((key) => key.alg === alg));
  if (missing.length === 0) return keys;
  for (const alg of missing) await store.add(generateSigningKey(alg, clock.now()));
  keys = await store.list();
  return keys;
}

/** Adds a new key of every algorithm; the new ones sign from the next refresh on. */
export async function rotateSigningKeys(store: SigningKeyStore, clock: Clock): Promise<SigningKey[]> {
  const added = SIGNING_ALGORITHMS.map((alg) => generateSigningKey(alg, clock.now()));
  for (const key of added) await store.add(key);
  return added;
}

/**
 * The keys to publish and sign with, newest first per algorithm (oidc-provider signs with the
 * first key of an algorithm): the newest of each, and every older one whose successor was made
 * less than `retentionMs` ago, since tokens it signed may still be live.
 */
export function publishedSigningKeys(keys: readonly SigningKey[], now: number, retentionMs: number): SigningKey[] {
  const published: SigningKey[] = [];
  for (const alg of SIGNING_ALGORITHMS) {
    const ofAlg = keys.filter((key) => key.alg === alg).sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : -1));
    ofAlg.forEach((key, index) => {
      const successor = ofAlg[index - 1];
      if (successor === undefined || now - successor.createdAt < retentionMs) published.push(key);
    });
  }
  return published;
}

/** Keys no longer published (their successor is older than `retentionMs`): safe to delete. */
export function retiredSigningKeys(keys: readonly SigningKey[], now: number, retentionMs: number): SigningKey[] {
  const kept = new Set(publishedSigningKeys(keys, now, retentionMs).map((key) => key.kid));
  return keys.filter((key) => !kept.has(key.kid));
}
