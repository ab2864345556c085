// How addresses and times are shown. Times come from the server (its clock decides expiry); the
// page only formats them, in the reader's locale and time zone. "5 minutes ago" needs a now: the
// page's one clock, read only by the entry point (main.tsx) and passed down as a Clock.

/** The page's clock: ms since the epoch. Tests pin it to the server's. */
export interface Clock {
  now(): number;
}

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

// The page's sentences are English, so "ago" is too; the exact time is in the <time> element.
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
const UNITS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/**
 * How long before `now` a server time was: "just now" (under a minute, or ahead of this device's
 * clock), "5 minutes ago", "3 hours ago", "2 days ago".
 */
export function formatTimeAgo(ms: number, now: number): string {
  const elapsed = now - ms;
  for (const [unit, size] of UNITS) {
    if (elapsed >= size) return relative.format(-Math.floor(elapsed / size), unit);
  }
  return 'just now';
}
