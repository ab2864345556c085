// Serving the built sign-in page: index.html at `/` and for client routes, hashed assets cached
// for good, index.html revalidated, and /api/*, other methods and missing files left to the API.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { startTestServer, type TestServer } from '@wallet-login/testkit';

const INDEX = '<!doctype html><title>Sign in</title><div id="root"></div>';
const SCRIPT = 'console.log("app");';
const HTML = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

let webDir: string;
let server: TestServer;
beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'wallet-login-web-'));
  mkdirSync(join(webDir, 'assets'));
  writeFileSync(join(webDir, 'index.html'), INDEX);
  writeFileSync(join(webDir, 'assets', 'index-AbC123.js'), SCRIPT);
  writeFileSync(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  server = await startTestServer({ config: { webDir } });
});
afterAll(async () => {
  await server.close();
  rmSync(webDir, { recursive: true, force: true });
});

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
