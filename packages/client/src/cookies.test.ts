import { applySetCookies, formatCookieHeader, parseSessionCookies, parseSetCookie } from './cookies';

const NOW = Date.UTC(2026, 0, 1);
// What koa-session sends: the id cookie and its signature, and both again, expired, at logout.
const SESSION = 'wl.sid=abc123; path=/; expires=Fri, 02 Jan 2026 00:00:00 GMT; samesite=lax; httponly';
const SESSION_SIG = 'wl.sid.sig=XyZ-_0; path=/; expires=Fri, 02 Jan 2026 00:00:00 GMT; samesite=lax; httponly';
const CLEAR = 'wl.sid=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly';
const CLEAR_SIG = 'wl.sid.sig=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly';

describe('parseSetCookie', () => {
  test('takes the name and value and ignores the attributes', () => {
    expect(parseSetCookie({ header: SESSION, now: NOW })).toEqual({ name: 'wl.sid', value: 'abc123', deletes: false });
  });

  test('keeps "=" inside the value', () => {
    expect(parseSetCookie({ header: 'a=b=c==; Path=/', now: NOW })).toEqual({ name: 'a', value: 'b=c==', deletes: false });
  });

  test('an empty value deletes the cookie', () => {
    expect(parseSetCookie({ header: 'wl.sid=; path=/', now: NOW })?.deletes).toBe(true);
  });

  test('an Expires in the past deletes the cookie', () => {
    expect(parseSetCookie({ header: 'wl.sid=x; expires=Thu, 01 Jan 1970 00:00:00 GMT', now: NOW })?.deletes).toBe(true);
  });

  test('Max-Age=0 or below deletes the cookie, and Max-Age wins over Expires (RFC 6265 §5.3)', () => {
    expect(parseSetCookie({ header: 'a=1; Max-Age=0', now: NOW })?.deletes).toBe(true);
    expect(parseSetCookie({ header: 'a=1; max-age=-5', now: NOW })?.deletes).toBe(true);
    expect(parseSetCookie({ header: 'a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT', now: NOW })?.deletes).toBe(false);
  });

  test('ignores headers that are not usable cookies', () => {
    for (const header of ['', 'novalue', '=x', 'bad name=x', 'a=b\u0000c', 'a(b=c']) {
      expect(parseSetCookie({ header, now: NOW })).toBeUndefined();
    }
  });
});

describe('applySetCookies', () => {
  test('keeps every cookie the server sets: the session cookie and its .sig', () => {
    expect(applySetCookies({ cookies: {}, setCookies: [SESSION, SESSION_SIG], now: NOW })).toEqual({ 'wl.sid': 'abc123', 'wl.sid.sig': 'XyZ-_0' });
  });

  test('replaces cookies by name and leaves the others alone', () => {
    const cookies = { 'wl.sid': 'old', 'wl.sid.sig': 'oldsig', other: 'kept' };
    expect(applySetCookies({ cookies, setCookies: ['wl.sid=new; path=/', 'wl.sid.sig=newsig; path=/'], now: NOW })).toEqual({
      'wl.sid': 'new',
      'wl.sid.sig': 'newsig',
      other: 'kept',
    });
    expect(cookies['wl.sid']).toBe('old');
  });

  test('removes the cookies a logout clears', () => {
    const cookies = { 'wl.sid': 'abc123', 'wl.sid.sig': 'XyZ-_0' };
    expect(applySetCookies({ cookies, setCookies: [CLEAR, CLEAR_SIG], now: NOW })).toEqual({});
  });

  test('treats a cookie named __proto__ as just a name', () => {
    const cookies = applySetCookies({ cookies: {}, setCookies: ['__proto__=x'], now: NOW });
    expect(Object.getPrototypeOf(cookies)).toBe(Object.prototype);
    expect(Object.entries(cookies)).toEqual([['__proto__', 'x']]);
  });
});

describe('formatCookieHeader', () => {
  test('joins the pairs as a Cookie header (RFC 6265 §5.4)', () => {
    expect(formatCookieHeader({ 'wl.sid': 'abc', 'wl.sid.sig': 'def' })).toBe('wl.sid=abc; wl.sid.sig=def');
  });

  test('is undefined for an empty jar', () => {
    expect(formatCookieHeader({})).toBeUndefined();
  });
});

describe('parseSessionCookies', () => {
  test('accepts saved cookies and returns a copy', () => {
    const saved = { 'wl.sid': 'abc', 'wl.sid.sig': 'def' };
    const parsed = parseSessionCookies(saved);
    expect(parsed).toEqual(saved);
    expect(parsed).not.toBe(saved);
  });

  test('rejects anything that could break the Cookie header or is not a jar', () => {
    for (const value of [null, 'wl.sid=abc', ['a'], { a: 1 }, { a: '' }, { a: 'x\r\nInjected: 1' }, { 'a b': 'x' }, { a: 'x;y=z' }]) {
      expect(parseSessionCookies(value)).toBeUndefined();
    }
  });
});
