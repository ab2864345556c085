// Cross-site: credentialed CORS only for the exact allowlisted origins; state-changing requests
// from other sites are refused (403 origin_forbidden, after Go's CrossOriginProtection), and HTML
// form encodings never reach a handler (415), so a signed-in session survives every attempt.
// The site is served as https://app.example.com behind a trusted TLS proxy.

import { ADDRESS, Browser, expectError, snapshot, useServer } from './support';

const PUBLIC = 'https://app.example.com';
const PROXY = { 'X-Forwarded-Proto': 'https' };
const server = useServer({ publicOrigin: PUBLIC, config: { trustProxy: true } });

/** Origins that must get no CORS grant and may not post. */
const FOREIGN: Array<[string, string]> = [
  ['a foreign origin', 'https://evil.test'],
  ['a look-alike suffix', 'https://app.example.com.evil.test'],
  ['a look-alike prefix', 'https://evilapp.example.com'],
  ['a subdomain', 'https://evil.app.example.com'],
  ['the parent domain', 'https://example.com'],
  ['null', 'null'],
  ['the http variant', 'http://app.example.com'],
  ['another port', 'https://app.example.com:8443'],
  ['the explicit default port', 'https://app.example.com:443'],
  ['upper case', 'https://APP.EXAMPLE.COM'],
  ['a trailing slash', 'https://app.example.com/'],
  ['a list with the allowed origin in it', 'https://evil.test, https://app.example.com'],
  ['a userinfo trick', 'https://app.example.com@evil.test'],
];

async function signedIn(): Promise<{ browser: Browser; stores: ReturnType<typeof server>['stores'] }> {
  const { url, stores } = server();
  await stores.users.add(ADDRESS, 0);
  const browser = new Browser(url, PROXY);
  await browser.signIn();
  expect(browser.jar.has('__Host-wl.sid')).toBe(true);
  return { browser, stores };
}

function expectNoGrant(headers: Record<string, unknown>): void {
  expect(headers['access-control-allow-origin']).toBeUndefined();
  expect(headers['access-control-allow-credentials']).toBeUndefined();
  expect(headers['access-control-allow-methods']).toBeUndefined();
}

describe('CORS', () => {
  test('the public origin gets a credentialed grant for reads and preflights (the control)', async () => {
    const { browser } = await signedIn();
    const read = await browser.get('/api/auth/me', { Origin: PUBLIC });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe(PUBLIC);
    expect(read.headers['access-control-allow-credentials']).toBe('true');
    expect(read.headers.vary).toMatch(/origin/i);
    const preflight = await browser.send('OPTIONS', '/api/auth/login', {
      headers: { Origin: PUBLIC, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(PUBLIC);
  });

  test.each(FOREIGN)('%s (%s): no grant on a credentialed read or a preflight', async (_name, origin) => {
    const { browser, stores } = await signedIn();
    const before = await snapshot(stores);
    const read = await browser.get('/api/auth/me', { Origin: origin });
    expectNoGrant(read.headers);
    const preflight = await browser.send('OPTIONS', '/api/auth/login', {
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expectNoGrant(preflight.headers);
    expect(await snapshot(stores)).toEqual(before);
  });
});

describe('state-changing requests from other sites', () => {
  test.each(FOREIGN)('%s (%s): challenge, login, register and logout are 403 origin_forbidden; the session lives', async (_name, origin) => {
    const { browser, stores } = await signedIn();
    const c = await browser.challenge();
    const before = await snapshot(stores);
    const headers = { Origin: origin, 'Sec-Fetch-Site': 'cross-site' };
    expectError(await browser.post('/api/auth/challenge', {}, headers), 403, 'origin_forbidden');
    expectError(await browser.post('/api/auth/login', { sid: c.sid, signature: c.signature }, headers), 403, 'origin_forbidden');
    expectError(await browser.post('/api/auth/register', { sid: c.sid, signature: c.signature }, headers), 403, 'origin_forbidden');
    expectError(await browser.post('/api/auth/logout', undefined, headers), 403, 'origin_forbidden');
    expectError(await browser.post('/api/auth/logout', undefined, { Origin: origin }), 403, 'origin_forbidden');
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test.each(['cross-site', 'same-site'])('Sec-Fetch-Site: %s without an Origin: 403 origin_forbidden; the session lives', async (site) => {
    const { browser, stores } = await signedIn();
    const before = await snapshot(stores);
    expectError(await browser.post('/api/auth/logout', undefined, { 'Sec-Fetch-Site': site }), 403, 'origin_forbidden');
    expectError(await browser.post('/api/auth/challenge', {}, { 'Sec-Fetch-Site': site }), 403, 'origin_forbidden');
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBe(ADDRESS);
  });
});

/** What an HTML form on another site can send: its three encodings. */
const FORMS: Array<[string, string, string]> = [
  ['urlencoded', 'application/x-www-form-urlencoded', 'sid=AAAAAAAAAAAAAAAAAAAAAAAA&signature=0x00'],
  ['text/plain', 'text/plain', '{"sid":"AAAAAAAAAAAAAAAAAAAAAAAA","signature":"0x00","x":"="}'],
  ['multipart', 'multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="sid"\r\n\r\nAAAA\r\n--xyz--\r\n'],
];

describe('cross-site HTML form posts', () => {
  test.each(FORMS)('%s to login and logout from a browser that names the site: 403; the session lives', async (_name, type, body) => {
    const { browser, stores } = await signedIn();
    const before = await snapshot(stores);
    const headers = { Origin: 'https://evil.test', 'Sec-Fetch-Site': 'cross-site' };
    for (const path of ['/api/auth/login', '/api/auth/logout']) {
      expectError(await browser.send('POST', path, { raw: body, type, headers }), 403, 'origin_forbidden');
    }
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test.each(FORMS)('%s to login and logout from a browser that sends no Origin: 415; the session lives', async (_name, type, body) => {
    const { browser, stores } = await signedIn();
    const before = await snapshot(stores);
    for (const path of ['/api/auth/login', '/api/auth/logout', '/api/auth/challenge', '/api/auth/register']) {
      expectError(await browser.send('POST', path, { raw: body, type }), 415, 'unsupported_media_type');
    }
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test.each(FORMS)('an empty %s form to logout from a browser that sends no Origin: 415; the session lives', async (_name, type) => {
    const { browser, stores } = await signedIn();
    const before = await snapshot(stores);
    expectError(await browser.send('POST', '/api/auth/logout', { raw: '', type }), 415, 'unsupported_media_type');
    expect(await snapshot(stores)).toEqual(before);
    expect(await browser.whoami()).toBe(ADDRESS);
  });
});
