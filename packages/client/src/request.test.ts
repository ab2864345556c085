import { freePort } from '@wallet-login/testkit';
import { rejection } from '../test/support';
import { createConnection, formatBaseUrl, parseBaseUrl, requestJson, resolvePath, send, USER_AGENT } from './request';

/** A fetch that answers every request with `response` and records what it was sent. */
function fakeFetch(response: () => Response): { fetch: typeof globalThis.fetch; requests: Request[] } {
  const requests: Request[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push(new Request(input, init));
    return response();
  };
  return { fetch, requests };
}

describe('base URL', () => {
  test('resolves API paths under the base path, with or without a leading slash', () => {
    const base = parseBaseUrl('https://example.com/login');
    expect(resolvePath({ base, path: '/api/auth/me' }).href).toBe('https://example.com/login/api/auth/me');
    expect(resolvePath({ base, path: 'api/auth/me?x=1' }).href).toBe('https://example.com/login/api/auth/me?x=1');
    expect(formatBaseUrl(base)).toBe('https://example.com/login');
    expect(formatBaseUrl(parseBaseUrl('http://127.0.0.1:8080/'))).toBe('http://127.0.0.1:8080');
  });

  test('refuses to send the cookies to another origin', () => {
    const base = parseBaseUrl('https://example.com');
    expect(resolvePath({ base, path: 'https://example.com/x' }).href).toBe('https://example.com/x');
    expect(() => resolvePath({ base, path: 'https://evil.example/x' })).toThrow(expect.objectContaining({ code: 'invalid_parameter' }));
    // A protocol-relative path stays on the base origin.
    expect(resolvePath({ base, path: '//evil.example/x' }).origin).toBe('https://example.com');
  });

  test('rejects URLs that are not plain http(s) base URLs', () => {
    for (const url of ['not a url', 'ftp://example.com', 'https://user:pass@example.com', 'https://example.com/?a=1', 'https://example.com/#x']) {
      expect(() => parseBaseUrl(url)).toThrow(expect.objectContaining({ code: 'invalid_parameter' }));
    }
  });
});

describe('send', () => {
  test('names the SDK in User-Agent unless the caller sets its own', async () => {
    const { fetch, requests } = fakeFetch(() => new Response(null, { status: 204 }));
    const connection = createConnection({ baseUrl: 'http://127.0.0.1:1', fetch });
    await send({ connection, path: '/api/auth/me' });
    await send({ connection, path: '/api/auth/me', init: { headers: { 'User-Agent': 'my-script/2' } } });
    expect(requests.map((request) => request.headers.get('user-agent'))).toStrictEqual([USER_AGENT, 'my-script/2']);
    expect(USER_AGENT).toMatch(/^wallet-login-sdk\/\d+\.\d+\.\d+ \(node \d+\.\d+\.\d+\)$/);
  });
});

describe('requestJson', () => {
  test("turns the server's error body into a WalletLoginError with its status, code and message", async () => {
    const { fetch } = fakeFetch(() => Response.json({ error: { code: 'unauthenticated', message: 'Not signed in.' } }, { status: 401 }));
    const connection = createConnection({ baseUrl: 'http://127.0.0.1:1', fetch });
    const error = await rejection(requestJson({ connection, method: 'GET', path: '/api/auth/me', expect: [200] }));
    expect(error).toMatchObject({ name: 'WalletLoginError', status: 401, code: 'unauthenticated', message: 'Not signed in.' });
  });

  test('an error page that is not JSON is bad_response with the status', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }));
    const connection = createConnection({ baseUrl: 'http://127.0.0.1:1', fetch });
    const error = await rejection(requestJson({ connection, method: 'GET', path: '/api/auth/me', expect: [200] }));
    expect(error).toMatchObject({ status: 502, code: 'bad_response' });
  });

  test('a success that is not JSON is bad_response', async () => {
    const { fetch } = fakeFetch(() => new Response('ok', { status: 200 }));
    const connection = createConnection({ baseUrl: 'http://127.0.0.1:1', fetch });
    const error = await rejection(requestJson({ connection, method: 'GET', path: '/api/auth/me', expect: [200] }));
    expect(error).toMatchObject({ status: 200, code: 'bad_response' });
  });

  test('sends JSON and the cookie jar, and keeps the cookies the response sets', async () => {
    const { fetch, requests } = fakeFetch(() => {
      const headers = new Headers({ 'content-type': 'application/json' });
      headers.append('set-cookie', 'wl.sid=new; path=/; httponly');
      headers.append('set-cookie', 'wl.sid.sig=newsig; path=/; httponly');
      return new Response('{"ok":true}', { status: 200, headers });
    });
    const connection = createConnection({ baseUrl: 'http://127.0.0.1:1', fetch, cookies: { 'wl.sid': 'old', other: 'x' } });
    const { body } = await requestJson({ connection, method: 'POST', path: '/api/auth/login', body: { sid: 's' }, expect: [200] });
    expect(body).toEqual({ ok: true });
    const [request] = requests;
    expect(request?.headers.get('cookie')).toBe('wl.sid=old; other=x');
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.headers.has('origin')).toBe(false);
    expect(await request?.text()).toBe('{"sid":"s"}');
    expect(connection.cookies).toEqual({ 'wl.sid': 'new', other: 'x', 'wl.sid.sig': 'newsig' });
  });
});

describe('send', () => {
  test('a server that cannot be reached is network_error, without a status', async () => {
    const connection = createConnection({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const error = await rejection(send({ connection, path: '/api/auth/me' }));
    expect(error).toMatchObject({ code: 'network_error', status: undefined });
    expect(error.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  test('no response within timeoutMs is timeout', async () => {
    const hang: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const connection = createConnection({ baseUrl: 'http://127.0.0.1:1', fetch: hang, timeoutMs: 20 });
    expect(await rejection(send({ connection, path: '/' }))).toMatchObject({ code: 'timeout' });
  });

  test("the caller's own abort is passed through as it is", async () => {
    const hang: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const connection = createConnection({ baseUrl: 'http://127.0.0.1:1', fetch: hang });
    const controller = new AbortController();
    const sent = send({ connection, path: '/', init: { signal: controller.signal } });
    controller.abort(new Error('stop'));
    await expect(sent).rejects.toThrow('stop');
  });
});
