// Serving the built sign-in page: index.html at `/` and for client routes, hashed assets cached
// for good, index.html revalidated, and /api/*, other methods and missing files left to the API;
// the build's brotli and gzip copies sent to browsers that accept them, by Accept-Encoding.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import pino from 'pino';
import { eventually, startServing, startTestServer, type TestServer } from '@wallet-login/testkit';
import { chooseEncoding, parseAcceptEncoding } from './static';

const INDEX = '<!doctype html><title>Sign in</title><div id="root"></div>';
const SCRIPT = 'console.log("app");';
const HTML = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const BIG_SCRIPT = `export const app = ${JSON.stringify('sign in with a wallet '.repeat(200))};\n`;
const STYLES = `${'.card { padding: 2rem; }\n'.repeat(100)}`;

let webDir: string;
let server: TestServer;
beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'wallet-login-web-'));
  mkdirSync(join(webDir, 'assets'));
  writeFileSync(join(webDir, 'index.html'), INDEX);
  writeFileSync(join(webDir, 'assets', 'index-AbC123.js'), SCRIPT);
  // As the build writes them (apps/web/vite.config.mts): the copies beside the file.
  writeFileSync(join(webDir, 'assets', 'app-XyZ789.js'), BIG_SCRIPT);
  writeFileSync(join(webDir, 'assets', 'app-XyZ789.js.br'), brotliCompressSync(BIG_SCRIPT));
  writeFileSync(join(webDir, 'assets', 'app-XyZ789.js.gz'), gzipSync(BIG_SCRIPT));
  writeFileSync(join(webDir, 'assets', 'index-Css456.css'), STYLES);
  writeFileSync(join(webDir, 'assets', 'index-Css456.css.gz'), gzipSync(STYLES));
  writeFileSync(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  server = await startTestServer({ config: { webDir } });
});
afterAll(async () => {
  await server.close();
  rmSync(webDir, { recursive: true, force: true });
});

/** The header names a response varies by (CORS adds Origin to every answer). */
const varyOf = (res: { headers: Record<string, string | string[] | undefined> }): string[] =>
  String(res.headers.vary ?? '').split(',').map((name) => name.trim()).filter(Boolean);
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });

test('serves index.html at / for revalidation on every load', async () => {
  const res = await get('/', HTML);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('cache-control')).toBe('no-cache');
  await expect(res.text()).resolves.toBe(INDEX);
});

test('hashed assets are cached for a year and immutable; other files are revalidated', async () => {
  const script = await get('/assets/index-AbC123.js');
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/javascript/);
  expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  await expect(script.text()).resolves.toBe(SCRIPT);

  const icon = await get('/favicon.svg');
  expect(icon.status).toBe(200);
  expect(icon.headers.get('cache-control')).toBe('no-cache');
});

test('a page navigation to a client route gets index.html', async () => {
  const res = await get('/account/settings', HTML);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-cache');
  await expect(res.text()).resolves.toBe(INDEX);
});

test('HEAD answers like GET, without a body', async () => {
  const res = await fetch(`${server.url}/account`, { method: 'HEAD', headers: HTML });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-length')).toBe(String(INDEX.length));
  await expect(res.text()).resolves.toBe('');
});

test.each([
  ['an API path, even asking for HTML', '/api/nope', HTML],
  ['a missing file', '/assets/index-Gone99.js', HTML],
  ['a client route asked for without HTML (an API client)', '/account', { Accept: 'application/json' }],
])('%s is the API 404, never index.html', async (_name, path, headers) => {
  const res = await get(path, headers);
  expect(res.status).toBe(404);
  await expect(res.json()).resolves.toEqual({ error: { code: 'not_found', message: expect.any(String) } });
});

test('other methods are not served the page', async () => {
  const res = await fetch(`${server.url}/`, { method: 'POST', headers: HTML });
  expect(res.status).toBe(404);
  await expect(res.json()).resolves.toMatchObject({ error: { code: 'not_found' } });
});

test('paths that climb out of the build directory are refused', async () => {
  writeFileSync(join(webDir, '..', 'wallet-login-secret.txt'), 'secret');
  try {
    // Sent raw: fetch would normalise the dots away before they reached the server.
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(server.url);
      httpRequest({ host: '127.0.0.1', port, path: '/assets/..%2f..%2fwallet-login-secret.txt', headers: HTML }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBeGreaterThanOrEqual(400);
  } finally {
    rmSync(join(webDir, '..', 'wallet-login-secret.txt'), { force: true });
  }
});

test('without a build, a page navigation is told how to build it', async () => {
  const unbuilt = await startTestServer({ config: { webDir: join(webDir, 'missing') } });
  try {
    const res = await fetch(`${unbuilt.url}/`, { headers: HTML });
    expect(res.status).toBe(404);
    await expect(res.text()).resolves.toMatch(/npm run build/);
    const api = await fetch(`${unbuilt.url}/`);
    await expect(api.json()).resolves.toMatchObject({ error: { code: 'not_found' } });
  } finally {
    await unbuilt.close();
  }
});

/** A raw GET (fetch would decode the body), with the body's bytes as sent. */
function rawGet(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(server.url);
    httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('precompressed assets', () => {
  test("Chrome's Accept-Encoding gets the brotli copy, typed as the script, cached for good, varying by Accept-Encoding", async () => {
    const res = await rawGet('/assets/app-XyZ789.js', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(varyOf(res)).toContain('Accept-Encoding');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.body.length).toBeLessThan(BIG_SCRIPT.length);
    expect(brotliDecompressSync(res.body).toString()).toBe(BIG_SCRIPT);
  });

  test('a browser without brotli gets the gzip copy', async () => {
    const res = await rawGet('/assets/app-XyZ789.js', { 'Accept-Encoding': 'gzip, deflate' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(varyOf(res)).toContain('Accept-Encoding');
    expect(gunzipSync(res.body).toString()).toBe(BIG_SCRIPT);
  });

  test('q-values are respected: a lower weight for brotli gets gzip, q=0 refuses a coding', async () => {
    await expect(rawGet('/assets/app-XyZ789.js', { 'Accept-Encoding': 'br;q=0.5, gzip;q=0.9' })).resolves.toMatchObject({ headers: { 'content-encoding': 'gzip' } });
    await expect(rawGet('/assets/app-XyZ789.js', { 'Accept-Encoding': 'br;q=0, *' })).resolves.toMatchObject({ headers: { 'content-encoding': 'gzip' } });
    const neither = await rawGet('/assets/app-XyZ789.js', { 'Accept-Encoding': 'br;q=0, gzip;q=0' });
    expect(neither.headers['content-encoding']).toBeUndefined();
    expect(varyOf(neither)).toContain('Accept-Encoding');
    expect(neither.body.toString()).toBe(BIG_SCRIPT);
  });

  test('without Accept-Encoding, or with identity only, the file itself is sent, still varying by Accept-Encoding', async () => {
    for (const headers of [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': '' }] as Record<string, string>[]) {
      const res = await rawGet('/assets/app-XyZ789.js', headers);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(varyOf(res)).toContain('Accept-Encoding');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.body.toString()).toBe(BIG_SCRIPT);
    }
  });

  test('an asset with a gzip copy only is sent as gzip even to a brotli browser; one without copies is sent as it is, without Vary', async () => {
    const css = await rawGet('/assets/index-Css456.css', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(css.headers['content-encoding']).toBe('gzip');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(gunzipSync(css.body).toString()).toBe(STYLES);

    const small = await rawGet('/assets/index-AbC123.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(varyOf(small)).not.toContain('Accept-Encoding');
    expect(small.body.toString()).toBe(SCRIPT);
  });

  test('HEAD answers with the headers of the copy, without a body', async () => {
    const res = await rawGet('/assets/app-XyZ789.js', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(Number(res.headers['content-length'])).toBe(brotliCompressSync(BIG_SCRIPT).length);
    expect(res.body.length).toBe(0);
  });

  test('fetch, as a browser, decodes the copy to the script', async () => {
    const res = await get('/assets/app-XyZ789.js', { 'Accept-Encoding': 'br, gzip' });
    expect(res.headers.get('content-encoding')).toBe('br');
    await expect(res.text()).resolves.toBe(BIG_SCRIPT);
  });
});

describe('chooseEncoding', () => {
  const both = ['br', 'gzip'] as const;
  test.each([
    ['gzip, deflate, br, zstd', both, 'br'],
    ['br;q=1.0, gzip;q=1', both, 'br'],
    ['gzip;q=1, br;q=0.999', both, 'gzip'],
    ['x-gzip', both, 'gzip'],
    ['*', both, 'br'],
    ['*;q=0.5, gzip', both, 'gzip'],
    ['GZIP', both, 'gzip'],
    ['gzip, br', ['gzip'], 'gzip'],
    ['br', ['gzip'], undefined],
    ['identity;q=1, br;q=0.5, gzip;q=0.5', both, undefined],
    ['identity;q=0.5, br;q=0.5', both, 'br'],
    ['br;q=2, gzip;q=abc', both, undefined],
    ['', both, undefined],
    [undefined, both, undefined],
  ] as const)('Accept-Encoding %p with copies %p → %p', (header, available, expected) => {
    expect(chooseEncoding(header, available)).toBe(expected);
  });

  test('parseAcceptEncoding reads weights, defaults them to 1 and keeps the first mention', () => {
    expect([...parseAcceptEncoding(' gzip ;q=0.8, br, deflate;q=0.000, gzip;q=1, ;q=1')]).toEqual([
      ['gzip', 0.8],
      ['br', 1],
      ['deflate', 0],
    ]);
  });
});

test('a browser that goes away mid-download is logged at debug, never as an error, nor on the console', async () => {
  writeFileSync(join(webDir, 'assets', 'huge-Big999.js'), Buffer.alloc(32 * 1024 * 1024, 'a'));
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }), done()) }));
  const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const serving = await startServing({ config: { webDir }, logger });
  try {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${serving.url}/assets/huge-Big999.js`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end();
    });
    await eventually(() => expect(lines.map(({ msg }) => msg)).toContain('client went away mid-answer'));
    expect(lines.find(({ msg }) => msg === 'client went away mid-answer')?.level).toBe(20);
    expect(lines.filter(({ level }) => level >= 50)).toEqual([]);
    expect(consoleError).not.toHaveBeenCalled();
  } finally {
    consoleError.mockRestore();
    await serving.close();
  }
});
