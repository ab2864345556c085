// The session list's device names: the User-Agent strings current browsers send, the
// near-misses that name more than one browser, and what is left when nothing is recognised.

import { escapeControlCharacters } from '@wallet-login/challenge';
import { summarizeUserAgent } from './userAgent';

test.each([
  ['Chrome on Linux', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
  ['Chrome on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
  ['Chrome on macOS', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
  ['Chrome on ChromeOS', 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
  ['Chrome on Android', 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'],
  ['Chrome on iOS', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1'],
  ['Edge on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0'],
  ['Opera on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0'],
  ['Samsung Internet on Android', 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36'],
  ['Firefox on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'],
  ['Firefox on Linux', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'],
  ['Firefox on Android', 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0'],
  ['Firefox on iOS', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15'],
  ['Safari on macOS', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15'],
  ['Safari on iOS', 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'],
  ['Safari on iPadOS', 'Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1'],
  ['Headless Chrome on Linux', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36'],
  ['curl', 'curl/8.5.0'],
  ['Node.js', 'node'],
])('names %s from its User-Agent', (summary, userAgent) => {
  expect(summarizeUserAgent(userAgent)).toBe(summary);
});

test('a WebKit app view that names no browser is its system only', () => {
  const inApp = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
  expect(summarizeUserAgent(inApp)).toBe('iOS device');
});

test('an unrecognised header is shown as it is, shortened past 40 characters', () => {
  expect(summarizeUserAgent('MyScanner/2.0')).toBe('MyScanner/2.0');
  const long = 'SomeCustomClient/1.2.3 (build 4567; extra detail that goes on and on)';
  const summary = summarizeUserAgent(long);
  expect(summary).toBe('SomeCustomClient/1.2.3 (build 4567; ext…');
  expect(summary.length).toBeLessThanOrEqual(40);
});

test('no header, or only spaces, is an unknown device', () => {
  expect(summarizeUserAgent(null)).toBe('Unknown device');
  expect(summarizeUserAgent('')).toBe('Unknown device');
  expect(summarizeUserAgent('   ')).toBe('Unknown device');
});

describe('control and bidi characters, which a client can put in its header', () => {
  test('an unrecognised header is shown with them escaped', () => {
    // U+202E would show "exe.txt" as "txt.exe"; 0x9b and ESC are terminal controls.
    expect(summarizeUserAgent('Evil/1 \u202etxt.exe')).toBe(String.raw`Evil/1 \u202etxt.exe`);
    expect(summarizeUserAgent('x\u009b2J\u001b[31m\u007f\u2066y\u2069')).toBe(String.raw`x\u009b2J\u001b[31m\u007f\u2066y\u2069`);
  });

  test('a recognised browser is named as usual, none of them in the name', () => {
    expect(summarizeUserAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0 \u202e\u0000')).toBe('Firefox on Linux');
  });

  test('the full header, shown on hover, is escaped the same way', () => {
    expect(escapeControlCharacters('Mozilla/5.0 \u202eabc\r\n\t')).toBe(String.raw`Mozilla/5.0 \u202eabc\u000d\u000a\u0009`);
    const plain = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ünïcødé ✓';
    expect(escapeControlCharacters(plain)).toBe(plain);
  });

  test('what is shown holds none of C0, DEL, C1 or the bidi formatting characters', () => {
    const all = Array.from({ length: 0xa0 }, (_, code) => String.fromCharCode(code)).join('') + '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069';
    const raw = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    expect(escapeControlCharacters(all)).not.toMatch(raw);
    expect(summarizeUserAgent(all)).not.toMatch(raw);
  });
});
