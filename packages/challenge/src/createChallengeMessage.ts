// Renders a challenge <sid, timestamp> as the text a wallet signs: an EIP-4361 ("Sign-In with
// Ethereum") message by default, or the plain JSON form older tooling signs.

import { ChallengeError } from './errors';
import { isRfc3339, isSiweDomain, isSiweRequestId, isSiweScheme, isSiweStatement, isUri, SIWE_LIMITS } from './grammar';
import { isChecksumAddress, ZERO_ADDRESS } from './address';

/** A challenge as issued: a single-use handle and the issue time in ms since the epoch. */
export interface Challenge {
  /** Single-use handle, letters and digits (the EIP-4361 Nonce). */
  sid: string;
  /** Issue time, ms since the epoch. */
  timestamp: number;
}

export type ChallengeFormat = 'siwe' | 'json';
export const CHALLENGE_FORMATS: readonly ChallengeFormat[] = ['siwe', 'json'];

/** The fields of an EIP-4361 message (EIP-4361 §Message Format). */
export interface SiweFields {
  /** URI scheme of the origin, rendered as `scheme://domain`; omitted for https per EIP-4361. */
  scheme?: string;
  /** RFC 3986 authority requesting the signing (host[:port]). */
  domain: string;
  /** EIP-55 checksummed address performing the signing. */
  address: string;
  /** Human-readable assertion; no line breaks. */
  statement?: string;
  /** RFC 3986 URI referring to the resource that is the subject of the signing. */
  uri: string;
  /** Always '1'. */
  version: '1';
  /** EIP-155 chain id. */
  chainId: number;
  /** At least 8 letters and digits; here the sid. */
  nonce: string;
  /** RFC 3339 date-time. */
  issuedAt: string;
  /** RFC 3339 date-time after which the message is no longer valid. */
  expirationTime?: string;
  /** RFC 3339 date-time before which the message is not yet valid. */
  notBefore?: string;
  /** System-specific identifier. */
  requestId?: string;
  /** RFC 3986 URIs the user wishes to have resolved. */
  resources?: string[];
}

export interface SiweMessageParameters {
  /** Authority the message is for (host[:port]); wallets compare it with the requesting page. */
  domain: string;
  /** URI of the site (e.g. https://app.example.com). */
  uri: string;
  /** EIP-155 chain id. */
  chainId: number;
  /** Optional sentence shown to the user above the fields. */
  statement?: string;
  /**
   * The signer's address when known; otherwise the zero address stands in, meaning any signer.
   * @default ZERO_ADDRESS
   */
  address?: string;
  /** Expiry, ms since the epoch (the challenge's timestamp + TTL). */
  expiresAt: number;
  /** URI scheme prefix for non-https origins (EIP-4361: "scheme://domain"). */
  scheme?: string;
  /**
   * RFC 3986 URIs listed under `Resources` (e.g. where the sign-in goes on to), shown by the
   * wallet with the message. An empty list renders no `Resources` line.
   * @default none
   */
  resources?: readonly string[];
}

export type CreateChallengeMessageParameters =
  | { format: 'json'; challenge: Challenge }
  | ({ format: 'siwe'; challenge: Challenge } & SiweMessageParameters);

/** Renders `challenge` in `format` as the exact text to sign. */
export function createChallengeMessage(parameters: CreateChallengeMessageParameters): string {
  const { challenge } = parameters;
  if (parameters.format === 'json') return createJsonChallengeMessage(challenge);
  return createSiweMessage({
    scheme: parameters.scheme,
    domain: parameters.domain,
    address: parameters.address ?? ZERO_ADDRESS,
    statement: parameters.statement,
    uri: parameters.uri,
    version: '1',
    chainId: parameters.chainId,
    nonce: challenge.sid,
    issuedAt: toIsoTime(challenge.timestamp),
    expirationTime: toIsoTime(parameters.expiresAt),
    // EIP-4361 §ABNF: "Resources:" is followed by at least one resource, or left out.
    ...(parameters.resources !== undefined && parameters.resources.length > 0 ? { resources: [...parameters.resources] } : {}),
  });
}

/** The JSON form: exactly `JSON.stringify({ sid, timestamp })`, timestamp as a decimal string. */
export function createJsonChallengeMessage({ sid, timestamp }: Challenge): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) invalid('timestamp must be a non-negative integer of ms');
  return JSON.stringify({ sid, timestamp: String(timestamp) });
}

/** Renders EIP-4361 fields as message text, checking each against the EIP's grammar. */
export function createSiweMessage(fields: SiweFields): string {
  const { scheme, domain, address, statement, uri, version, chainId, nonce, issuedAt } = fields;
  if (scheme !== undefined && !isSiweScheme(scheme)) invalid('scheme is not an RFC 3986 scheme');
  if (!isSiweDomain(domain)) invalid('domain is not an RFC 3986 host[:port]');
  if (!isChecksumAddress(address)) invalid('address is not an EIP-55 checksummed address');
  if (statement !== undefined && !isSiweStatement(statement)) invalid('statement has characters EIP-4361 does not allow or is too long');
  if (!isUri(uri)) invalid('uri is not an RFC 3986 URI');
  if (version !== '1') invalid('version must be "1"');
  if (!Number.isSafeInteger(chainId) || chainId < 1) invalid('chainId must be a positive integer');
  if (!new RegExp(`^[A-Za-z0-9]{8,${SIWE_LIMITS.nonce}}$`).test(nonce)) invalid('nonce must be 8 or more letters and digits');
  for (const [name, value] of [['issuedAt', issuedAt], ['expirationTime', fields.expirationTime], ['notBefore', fields.notBefore]] as const) {
    if (value !== undefined && !isRfc3339(value)) invalid(`${name} is not an RFC 3339 date-time`);
  }
  if (fields.requestId !== undefined && !isSiweRequestId(fields.requestId)) invalid('requestId has characters EIP-4361 does not allow');
  if (fields.resources !== undefined) {
    if (fields.resources.length > SIWE_LIMITS.resources) invalid('too many resources');
    if (!fields.resources.every(isUri)) invalid('a resource is not an RFC 3986 URI');
  }

  const origin = scheme === undefined ? domain : `${scheme}://${domain}`;
  const lines = [`${origin} wants you to sign in with your Ethereum account:`, address, ''];
  // EIP-4361 §ABNF: address LF LF [ statement LF ] LF "URI: " …
  if (statement) lines.push(statement);
  lines.push('', `URI: ${uri}`, `Version: ${version}`, `Chain ID: ${chainId}`, `Nonce: ${nonce}`, `Issued At: ${issuedAt}`);
  if (fields.expirationTime !== undefined) lines.push(`Expiration Time: ${fields.expirationTime}`);
  if (fields.notBefore !== undefined) lines.push(`Not Before: ${fields.notBefore}`);
  if (fields.requestId !== undefined) lines.push(`Request ID: ${fields.requestId}`);
  if (fields.resources !== undefined) lines.push('Resources:', ...fields.resources.map((resource) => `- ${resource}`));
  return lines.join('\n');
}

/** ms since the epoch → RFC 3339 UTC with milliseconds, as `Date.prototype.toISOString`. */
export function toIsoTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 253402300799999) invalid('time must be an integer of ms within years 1970–9999');
  return new Date(ms).toISOString();
}

function invalid(message: string): never {
  throw new ChallengeError('invalid_parameter', message);
}
