// A session's browser in words, from the User-Agent header it signed in with: "Chrome on Linux".
// A few patterns, not a full parser: enough for people to tell their own devices apart. The
// header is whatever the client sent, so what of it the page shows has its control and bidi
// characters escaped.

import { escapeControlCharacters } from '@wallet-login/challenge';

/** Browsers and clients, most specific first: Edge, Opera and Samsung Internet also say "Chrome". */
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOPiOS\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bHeadlessChrome\//, 'Headless Chrome'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  // Safari says "Version/x Safari/y"; browsers built on it without their own name are not Safari.
  [/\bVersion\/[\d.]+ (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/^curl\//, 'curl'],
  // Node's fetch (the SDK and CLI) sends "node".
  [/^node$|^undici\b/, 'Node.js'],
];

/** Operating systems, most specific first: Android also says "Linux", iOS "like Mac OS X". */
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bWindows\b/, 'Windows'],
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b|\biPod\b/, 'iOS'],
  [/\biPad\b/, 'iPadOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/** How much of an unrecognised User-Agent is shown. */
const RAW_MAX = 40;

const match = (table: ReadonlyArray<readonly [RegExp, string]>, userAgent: string): string | undefined =>
  table.find(([pattern]) => pattern.test(userAgent))?.[1];

/**
 * "Chrome on Linux", "Safari on iOS", "Firefox"; an unrecognised header shortened to its first
 * 40 characters, control and bidi characters escaped; "Unknown device" when there was none.
 */
export function summarizeUserAgent(userAgent: string | null): string {
  const text = (userAgent ?? '').trim();
  if (text === '') return 'Unknown device';
  const browser = match(BROWSERS, text);
  const system = match(SYSTEMS, text);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `${system} device`;
  return escapeControlCharacters(text.length > RAW_MAX ? `${text.slice(0, RAW_MAX - 1).trimEnd()}…` : text);
}
