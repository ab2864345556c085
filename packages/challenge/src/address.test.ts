import { createHash } from 'node:crypto';
import { getAddress } from 'ethers';
import { isChecksumAddress, normalizeAddress, toChecksumAddress, ZERO_ADDRESS } from './index';

const hex40 = (i: number) => createHash('sha256').update(`address ${i}`).digest('hex').slice(0, 40);

describe('EIP-55 checksums', () => {
  test('agree with ethers on 500 random addresses, from lower and upper case', () => {
    for (let i = 0; i < 500; i++) {
      const lower = `0x${hex40(i)}`;
      const expected = getAddress(lower);
      expect(toChecksumAddress(lower)).toBe(expected);
      expect(toChecksumAddress(`0x${hex40(i).toUpperCase()}`)).toBe(expected);
      expect(isChecksumAddress(expected)).toBe(true);
    }
  });

  test('an address of digits alone is its own checksum, as ethers agrees', () => {
    for (const address of [ZERO_ADDRESS, '0x1234567890123456789012345678901234567890', `0x${'9'.repeat(40)}`]) {
      expect(toChecksumAddress(address)).toBe(address);
      expect(getAddress(address)).toBe(address);
      expect(isChecksumAddress(address)).toBe(true);
      expect(normalizeAddress(address)).toBe(address);
    }
  });

  test('one letter among digits still takes its case from the hash', () => {
    const address = `0x${'0'.repeat(39)}a`;
    expect(toChecksumAddress(address)).toBe(getAddress(address));
    expect(isChecksumAddress(getAddress(address))).toBe(true);
  });

  test('a wrong case is not a checksum; malformed input throws or is refused', () => {
    const good = getAddress(`0x${hex40(1)}`);
    const flipped = good.replace(/[a-f]/, (c) => c.toUpperCase());
    expect(flipped).not.toBe(good);
    expect(isChecksumAddress(flipped)).toBe(false);
    expect(normalizeAddress(flipped)).toBeUndefined();
    expect(() => toChecksumAddress('0x1234')).toThrow(TypeError);
    expect(() => toChecksumAddress(`0X${'0'.repeat(40)}`)).toThrow(TypeError);
    expect(isChecksumAddress(12)).toBe(false);
  });
});
