import { generateSid, isSid, SID_LENGTH } from './generateSid';

describe('generateSid', () => {
  test('gives 24 letters and digits, ≥128 bits', () => {
    const sid = generateSid();
    expect(sid).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(SID_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(128);
    expect(isSid(sid)).toBe(true);
  });

  test('does not repeat over 10,000 draws', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => generateSid()));
    expect(seen.size).toBe(10_000);
  });

  test('rejects bytes ≥ 248 instead of folding them (no modulo bias)', () => {
    // 248..255 would map to A..H a second time; they must be skipped.
    let call = 0;
    const random = (length: number): Uint8Array => {
      call++;
      return call === 1 ? new Uint8Array(length).fill(250) : new Uint8Array(length).fill(61);
    };
    expect(generateSid({ random })).toBe('9'.repeat(24));
  });

  test('maps each accepted byte to symbol byte mod 62', () => {
    const random = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => [0, 61, 62, 247][i % 4] as number);
    expect(generateSid({ random })).toBe('A9A9'.repeat(6));
  });

  test('every symbol appears with about the same frequency', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) for (const c of generateSid()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (4_000 * 24) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.15);
  });

  test('refuses lengths below 128 bits', () => {
    expect(() => generateSid({ length: 21 })).toThrow(RangeError);
  });

  test('isSid refuses non-alphanumeric and short values', () => {
    for (const value of ['abc', 'a'.repeat(21), `${'a'.repeat(23)}-`, 42, null, `${'a'.repeat(23)}é`]) expect(isSid(value)).toBe(false);
  });
});
