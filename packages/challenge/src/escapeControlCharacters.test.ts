import { escapeControlCharacters } from './escapeControlCharacters';

test('writes C0, DEL, C1 and bidi formatting characters as \\uXXXX escapes', () => {
  expect(escapeControlCharacters('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
  expect(escapeControlCharacters('\u009b31m')).toBe('\\u009b31m');
  expect(escapeControlCharacters('\u0000\t\n\r\u007f\u0080\u009f')).toBe('\\u0000\\u0009\\u000a\\u000d\\u007f\\u0080\\u009f');
  expect(escapeControlCharacters('\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069')).toBe(
    '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069',
  );
});

test('leaves printable text alone, non-ASCII letters and emoji included', () => {
  const text = 'Mozilla/5.0 (X11; Linux) "ünïcødé" ✓ 🔑 \u00a0\u00ff';
  expect(escapeControlCharacters(text)).toBe(text);
});

test('every code point below U+00A0 that is not printable ASCII is escaped, and nothing else there', () => {
  for (let code = 0; code < 0xa0; code++) {
    const char = String.fromCharCode(code);
    const printable = code >= 0x20 && code < 0x7f;
    expect(escapeControlCharacters(char)).toBe(printable ? char : `\\u${code.toString(16).padStart(4, '0')}`);
  }
});

test('an escaped JSON line is still JSON, with the same value', () => {
  const value = { userAgent: 'x\u009b\u001b\u202e\u007fy\\u0041"' };
  const line = escapeControlCharacters(JSON.stringify(value));
  expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(JSON.parse(line)).toEqual(value);
});
