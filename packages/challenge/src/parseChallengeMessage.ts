// Parses challenge message text back into fields, strictly: EIP-4361 messages line by line
// against the EIP's ABNF (field order, grammar, length caps), the JSON form byte for byte.

import { ChallengeError } from './errors';
import { isChecksumAddress } from './address';
import type { Challenge, SiweFields } from './createChallengeMessage';
import { createJsonChallengeMessage } from './createChallengeMessage';
import { isRfc3339, isSiweDomain, isSiweRequestId, isSiweScheme, isSiweStatement, isUri, parseRfc3339, SIWE_LIMITS } from './grammar';

export type ParsedChallengeMessage =
  | { format: 'json'; challenge: Challenge }
  | { format: 'siwe'; challenge: Challenge; fields: SiweFields };

const PREAMBLE = ' wants you to sign in with your Ethereum account:';

/** Parses either format; the JSON form is recognised by its leading '{'. */
export function parseChallengeMessage(text: string): ParsedChallengeMessage {
  if (typeof text !== 'string') malformed('message must be a string');
  if (text.startsWith('{')) return { format: 'json', challenge: parseJsonChallengeMessage(text) };
  const fields = parseSiweMessage(text);
  return { format: 'siwe', fields, challenge: { sid: fields.nonce, timestamp: parseRfc3339(fields.issuedAt) } };
}

/** Parses the JSON form; only text that `createJsonChallengeMessage` would produce is accepted. */
export function parseJsonChallengeMessage(text: string): Challenge {
  if (text.length > 256) malformed('JSON challenge is too long');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    malformed('JSON challenge is not valid JSON', cause);
  }
  const { sid, timestamp } = (value ?? {}) as Record<string, unknown>;
  if (typeof sid !== 'string' || !/^[A-Za-z0-9]{8,128}$/.test(sid)) malformed('JSON challenge has no valid sid');
  if (typeof timestamp !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(timestamp)) malformed('JSON challenge has no valid timestamp');
  const challenge = { sid, timestamp: Number(timestamp) };
  if (!Number.isSafeInteger(challenge.timestamp) || createJsonChallengeMessage(challenge) !== text) {
    malformed('JSON challenge is not in canonical form {"sid":"…","timestamp":"…"}');
  }
  return challenge;
}

/** Parses an EIP-4361 message (EIP-4361 §ABNF Message Format). */
export function parseSiweMessage(text: string): SiweFields {
  if (typeof text !== 'string') malformed('message must be a string');
  if (text.length > SIWE_LIMITS.message) malformed('message is too long');
  if (text.includes('\r')) malformed('message must use LF line endings');
  const lines = text.split('\n');
  let at = 0;
  const next = (): string | undefined => lines[at++];

  const header = next() ?? '';
  if (!header.endsWith(PREAMBLE)) malformed('first line must be "<domain> wants you to sign in with your Ethereum account:"');
  const origin = header.slice(0, -PREAMBLE.length);
  const schemeEnd = origin.indexOf('://');
  const scheme = schemeEnd === -1 ? undefined : origin.slice(0, schemeEnd);
  const domain = schemeEnd === -1 ? origin : origin.slice(schemeEnd + 3);
  if (scheme !== undefined && !isSiweScheme(scheme)) malformed('scheme is not an RFC 3986 scheme');
  if (!isSiweDomain(domain)) malformed('domain is not an RFC 3986 host[:port]');

  const address = next() ?? '';
  if (!isChecksumAddress(address)) malformed('address is not an EIP-55 checksummed address');
  if (next() !== '') malformed('a blank line must follow the address');

  let statement: string | undefined;
  const afterBlank = next();
  if (afterBlank !== '') {
    if (afterBlank === undefined || afterBlank.startsWith('URI: ')) malformed('two blank lines, or a statement between blank lines, must precede URI');
    if (!isSiweStatement(afterBlank)) malformed('statement has characters EIP-4361 does not allow or is too long');
    statement = afterBlank;
    if (next() !== '') malformed('a blank line must follow the statement');
  }

  const field = (label: string, test: (value: string) => boolean, what: string): string => {
    const line = next();
    if (line === undefined || !line.startsWith(`${label}: `)) malformed(`expected "${label}: " line`);
    const value = line.slice(label.length + 2);
    if (!test(value)) malformed(`${label} ${what}`);
    return value;
  };
  const optional = (label: string, test: (value: string) => boolean, what: string): string | undefined =>
    lines[at]?.startsWith(`${label}: `) ? field(label, test, what) : undefined;

  const uri = field('URI', isUri, 'is not an RFC 3986 URI');
  field('Version', (value) => value === '1', 'must be 1');
  const chainId = Number(field('Chain ID', (value) => /^[1-9][0-9]{0,15}$/.test(value) && Number.isSafeInteger(Number(value)), 'must be a positive integer'));
  const nonce = field('Nonce', (value) => new RegExp(`^[A-Za-z0-9]{8,${SIWE_LIMITS.nonce}}$`).test(value), 'must be 8 or more letters and digits');
  const issuedAt = field('Issued At', isRfc3339, 'is not an RFC 3339 date-time');
  const expirationTime = optional('Expiration Time', isRfc3339, 'is not an RFC 3339 date-time');
  const notBefore = optional('Not Before', isRfc3339, 'is not an RFC 3339 date-time');
  const requestId = optional('Request ID', isSiweRequestId, 'has characters EIP-4361 does not allow');

  let resources: string[] | undefined;
  if (lines[at] === 'Resources:') {
    at++;
    resources = [];
    while (at < lines.length) {
      const line = next() as string;
      if (!line.startsWith('- ') || !isUri(line.slice(2))) malformed('each resource must be "- <RFC 3986 URI>"');
      if (resources.push(line.slice(2)) > SIWE_LIMITS.resources) malformed('too many resources');
    }
  }
  if (at !== lines.length) malformed(`unexpected line ${at + 1}`);

  const fields: SiweFields = { domain, address, uri, version: '1', chainId, nonce, issuedAt };
  if (scheme !== undefined) fields.scheme = scheme;
  if (statement !== undefined) fields.statement = statement;
  if (expirationTime !== undefined) fields.expirationTime = expirationTime;
  if (notBefore !== undefined) fields.notBefore = notBefore;
  if (requestId !== undefined) fields.requestId = requestId;
  if (resources !== undefined) fields.resources = resources;
  return fields;
}

function malformed(message: string, cause?: unknown): never {
  throw new ChallengeError('message_malformed', message, { cause });
}
