// How addresses and times are shown. Times come from the server (its clock decides expiry); the
// page only formats them, in the reader's locale and time zone.

/** `0x2c75…5c23`: the checksummed address with its first 4 and last 4 hex digits. */
export function shortenAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A server time (ms since the epoch) for people, e.g. "Jan 8, 2026, 12:00 AM". */
export function formatTime(ms: number): string {
  return dateTime.format(ms);
}

/** The same time for <time dateTime>. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
