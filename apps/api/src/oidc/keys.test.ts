import { createTestClock } from '@wallet-login/testkit';
import type { SigningKey } from '../stores/types';
import { addressOf, subjectOf } from './account';
import { generateSigningKey, jwkThumbprint, publishedSigningKeys, retiredSigningKeys } from './keys';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const key = (kid: string, alg: SigningKey['alg'], createdAt: number): SigningKey => ({ kid, alg, createdAt, jwk: {} });

describe('signing keys', () => {
  test('a generated key is a private JWK whose kid is its RFC 7638 thumbprint', () => {
    const clock = createTestClock(START);
    for (const alg of ['ES256', 'RS256'] as const) {
      const generated = generateSigningKey(alg, clock.now());
      expect(generated).toMatchObject({ alg, createdAt: START, jwk: { alg, use: 'sig', kid: generated.kid } });
      expect(generated.jwk).toHaveProperty('d');
      expect(generated.kid).toBe(jwkThumbprint(generated.jwk));
    }
    expect(generateSigningKey('ES256', START).jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });

  test('the RFC 7638 §3.1 example thumbprint', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  test('published: the newest of each algorithm first, an older one while its successor is younger than the retention', () => {
    const keys = [key('e1', 'ES256', START), key('r1', 'RS256', START), key('e2', 'ES256', START + HOUR), key('r2', 'RS256', START + HOUR)];
    expect(publishedSigningKeys(keys, START + HOUR + 1, HOUR).map((k) => k.kid)).toEqual(['e2', 'e1', 'r2', 'r1']);
    expect(publishedSigningKeys(keys, START + 2 * HOUR, HOUR).map((k) => k.kid)).toEqual(['e2', 'r2']);
    expect(retiredSigningKeys(keys, START + 2 * HOUR, HOUR).map((k) => k.kid)).toEqual(['e1', 'r1']);
    expect(publishedSigningKeys([key('e1', 'ES256', START)], START + 100 * HOUR, HOUR).map((k) => k.kid)).toEqual(['e1']);
  });
});

describe('subjects', () => {
  const address = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
  test('the subject is eip155:<chain>:<EIP-55 address>, and reads back only in that exact form', () => {
    expect(subjectOf(1, address)).toBe(`eip155:1:${address}`);
    expect(addressOf(1, `eip155:1:${address}`)).toBe(address);
    expect(addressOf(1, `eip155:1:${address.toLowerCase()}`)).toBeUndefined();
    expect(addressOf(5, `eip155:1:${address}`)).toBeUndefined();
    expect(addressOf(1, address)).toBeUndefined();
    expect(addressOf(1, `eip155:1:0x1234`)).toBeUndefined();
  });
});
