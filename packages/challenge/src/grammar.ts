// Character-level checks from the EIP-4361 ABNF and the RFCs it cites (RFC 3986 URIs and
// authorities, RFC 3339 date-times), with length caps so a parser never works on unbounded input.

/** Field length caps; EIP-4361 sets none, a verifier should (EIP-4361 §Security Considerations). */
export const SIWE_LIMITS = {
  domain: 255,
  statement: 1024,
  uri: 2048,
  nonce: 128,
  requestId: 256,
  resources: 32,
  /** Whole message, in UTF-16 code units. */
  message: 16384,
} as const;

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]{2,45}\\])(?::[0-9]{1,5})?$`);
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{0,31}$/;
// RFC 3986 §2: unreserved / reserved / pct-encoded characters.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]*$/;
// EIP-4361: statement = *( reserved / unreserved / " " )
const STATEMENT = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]*$/;
// EIP-4361: request-id = *pchar
const REQUEST_ID = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;
// RFC 3339 §5.6 date-time; T and Z are case-insensitive there.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function isSiweDomain(value: string): boolean {
  return value.length <= SIWE_LIMITS.domain && DOMAIN.test(value) && portInRange(value);
}

export function isSiweScheme(value: string): boolean {
  return SCHEME.test(value);
}

export function isUri(value: string): boolean {
  // Valid percent-escapes are removed first, so any '%' left over fails the pattern.
  return value.length <= SIWE_LIMITS.uri && URI.test(value.replace(/%[0-9A-Fa-f]{2}/g, ''));
}

export function isSiweStatement(value: string): boolean {
  return value.length <= SIWE_LIMITS.statement && STATEMENT.test(value);
}

export function isSiweRequestId(value: string): boolean {
  return value.length <= SIWE_LIMITS.requestId && REQUEST_ID.test(value);
}

/** RFC 3339 date-time whose fields are in range (Date.parse alone accepts other forms too). */
export function isRfc3339(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, , offset] = match.map((part) => part ?? '');
  const m = Number(month);
  const daysInMonth = new Date(Date.UTC(Number(year), m, 0)).getUTCDate();
  if (m < 1 || m > 12 || Number(day) < 1 || Number(day) > daysInMonth) return false;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return false;
  if (offset && offset.length === 6 && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4)) > 59)) return false;
  return !Number.isNaN(Date.parse(value.toUpperCase()));
}

/** ms since the epoch of an RFC 3339 date-time; call after isRfc3339. */
export function parseRfc3339(value: string): number {
  return Date.parse(value.toUpperCase());
}

function portInRange(authority: string): boolean {
  const port = /:([0-9]{1,5})$/.exec(authority)?.[1];
  return port === undefined || Number(port) <= 65535;
}
