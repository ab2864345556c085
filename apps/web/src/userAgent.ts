// A session's browser in words, from the User-Agent header it signed in with: "Chrome on Linux".
// A few patterns, not a full parser: enough for people to tell their own devices apart. The
// header is whatever the client sent, so what of it the page shows has its control and bidi
// characters escaped.

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

/**
 * C0 controls (U+0000–U+001F), DEL (U+007F), C1 controls (U+0080–U+009F), and the bidi
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069; Unicode UAX #9 §2,
 * CVE-2021-42574), which would make the text read differently from what it holds.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each control or bidi formatting character written as `\uXXXX`, for display. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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
