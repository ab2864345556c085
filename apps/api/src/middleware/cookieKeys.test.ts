// The cookie keys against Keygrip, which the cookies module uses by default: the same digests,
// the same answers for every key and every kind of wrong digest.

import Keygrip from 'keygrip';
import { createCookieKeys } from './cookieKeys';

const KEYS = ['newest session key, at least thirty-two characters', 'older session key, still accepted for rotation'];
const keygrip = new Keygrip([...KEYS]);
const ours = createCookieKeys(KEYS);
const DATA = 'wl.sid=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A';

test('signs as Keygrip does', () => {
  for (const data of [DATA, '', 'ünïcödé=✓', 'x'.repeat(5000)]) expect(ours.sign(data)).toBe(keygrip.sign(data));
});

test.each([
  ['the newest key', () => new Keygrip([KEYS[0]!]).sign(DATA)],
  ['the older key', () => new Keygrip([KEYS[1]!]).sign(DATA)],
  ['an unknown key', () => new Keygrip(['some other key, unknown to the server']).sign(DATA)],
  ['a digest of other data', () => keygrip.sign(`${DATA}x`)],
  ['one character changed', () => `${keygrip.sign(DATA).slice(0, -1)}${keygrip.sign(DATA).endsWith('A') ? 'B' : 'A'}`],
  ['padded base64', () => `${Buffer.from(keygrip.sign(DATA), 'base64url').toString('base64')}`],
  ['too short', () => keygrip.sign(DATA).slice(0, 26)],
  ['too long', () => `${keygrip.sign(DATA)}A`],
  ['empty', () => ''],
  ['not base64', () => '!'.repeat(27)],
])('%s: the same index and verdict as Keygrip', (_name, digestOf) => {
  const digest = digestOf();
  expect(ours.index(DATA, digest)).toBe(keygrip.index(DATA, digest));
  expect(ours.verify(DATA, digest)).toBe(keygrip.verify(DATA, digest));
});

test('needs a key', () => {
  expect(() => createCookieKeys([])).toThrow(/at least one cookie key/);
});
