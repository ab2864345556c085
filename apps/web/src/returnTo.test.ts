// return_to: read raw as nginx sends it (or encoded), and followed only where the policy allows.

import { checkReturnTo, readReturnTo, returnToOf, type ReturnPolicy } from './returnTo';

const policy: ReturnPolicy = {
  returnOrigins: ['https://login.example.com', 'https://app.other.test', 'http://127.0.0.1:8080'],
  cookieDomain: 'example.com',
};

describe('readReturnTo', () => {
  test.each([
    ['?return_to=https://app.example.com/dashboard?tab=1&x=2', 'https://app.example.com/dashboard?tab=1&x=2'],
    ['return_to=https://app.example.com/', 'https://app.example.com/'],
    ['?a=1&return_to=https://app.example.com/x?return_to=y', 'https://app.example.com/x?return_to=y'],
    ['?return_to=https%3A%2F%2Fapp.example.com%2Fdashboard%3Ftab%3D1%26x%3D2', 'https://app.example.com/dashboard?tab=1&x=2'],
    ['?return_to=https://app.example.com/a%20b', 'https://app.example.com/a%20b'],
  ])('%s → %s', (search, expected) => {
    expect(readReturnTo(search)).toBe(expected);
  });

  test.each([[''], ['?'], ['?interaction=abc'], ['?return_to='], ['?xreturn_to=https://app.example.com/'], ['?return_to=https%3A%E0%A4%A']])('%j has none', (search) => {
    expect(readReturnTo(search)).toBeUndefined();
  });
});

describe('checkReturnTo', () => {
  test.each([
    ['PUBLIC_ORIGIN', 'https://login.example.com/account', 'https://login.example.com/account'],
    ['an ALLOWED_ORIGINS origin', 'https://app.other.test/x?y=1', 'https://app.other.test/x?y=1'],
    ['an http origin on a port, listed', 'http://127.0.0.1:8080/dashboard', 'http://127.0.0.1:8080/dashboard'],
    ['COOKIE_DOMAIN itself', 'https://example.com/', 'https://example.com/'],
    ['a host under COOKIE_DOMAIN, any port', 'https://app.example.com:8443/a?b=c', 'https://app.example.com:8443/a?b=c'],
    ['a host under COOKIE_DOMAIN in capitals', 'https://APP.Example.COM/', 'https://app.example.com/'],
  ])('follows %s', (_name, raw, expected) => {
    expect(checkReturnTo(raw, policy)).toBe(expected);
  });

  test.each([
    ['another site', 'https://evil.test/'],
    ['a host that only ends like COOKIE_DOMAIN', 'https://evilexample.com/'],
    ['COOKIE_DOMAIN as a prefix', 'https://example.com.evil.test/'],
    ['a listed host on another port', 'http://127.0.0.1:8081/'],
    ['a listed host over another scheme', 'http://app.other.test/'],
    ['javascript:', 'javascript:alert(1)'],
    ['javascript: with a host-looking body', 'javascript://app.example.com/%0aalert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['protocol-relative', '//evil.test/'],
    ['a path', '/dashboard'],
    ['a scheme without slashes', 'https:evil.test'],
    ['backslashes', 'https:\\\\evil.test\\'],
    ['a backslash after the host', 'https://app.example.com\\@evil.test/'],
    ['userinfo naming an allowed host', 'https://login.example.com@evil.test/'],
    ['userinfo on an allowed host', 'https://user:pass@app.example.com/'],
    ['a tab inside', 'https://app.exa\tmple.com/'],
    ['a leading space', ' https://app.example.com/'],
    ['ftp', 'ftp://app.example.com/'],
    ['not a URL', 'https://'],
  ])('drops %s', (_name, raw) => {
    expect(checkReturnTo(raw, policy)).toBeUndefined();
  });

  test('without COOKIE_DOMAIN only the listed origins are followed', () => {
    const strict = { ...policy, cookieDomain: null };
    expect(checkReturnTo('https://app.example.com/', strict)).toBeUndefined();
    expect(checkReturnTo('https://login.example.com/', strict)).toBe('https://login.example.com/');
  });
});

test('returnToOf reads, then checks', () => {
  expect(returnToOf('?return_to=https://app.example.com/x?y=1&z=2', policy)).toBe('https://app.example.com/x?y=1&z=2');
  expect(returnToOf('?return_to=https://evil.test/', policy)).toBeUndefined();
  expect(returnToOf('', policy)).toBeUndefined();
});
