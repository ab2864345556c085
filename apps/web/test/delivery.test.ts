// How the built page goes over the wire, end to end: Chromium gets the entry script and the
// stylesheet as the build's brotli copies (Content-Encoding: br, Vary: Accept-Encoding, the
// script's own type, cached for good), a client that takes only gzip gets the gzip copies, and
// one that takes neither gets the files themselves: the same bytes once decoded.

import { get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Response } from 'playwright-core';
import { newContext } from '@wallet-login/testkit';
import { useE2e } from './harness';

const e2e = useE2e();

/** The budget of bundle.test.ts for the entry script, gzipped: brotli's copy is smaller still. */
const ENTRY_BUDGET_BYTES = 100 * 1000;

test('Chromium gets the entry script and the stylesheet brotli-encoded, and the page runs from them', async () => {
  const assets: Response[] = [];
  // A context of its own, so every response, the first load's included, is seen.
  const context = await newContext(e2e.browser);
  try {
    const page = await context.newPage();
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/assets/')) assets.push(response);
    });
    await page.goto(e2e.server.url);
    await page.getByRole('heading', { level: 1 }).waitFor();

    const html = await (await fetch(e2e.server.url, { headers: { Accept: 'text/html' } })).text();
    const entryPath = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"><\/script>/.exec(html)?.[1];
    const stylesPath = /<link rel="stylesheet" crossorigin href="(\/assets\/[^"]+\.css)">/.exec(html)?.[1];
    expect(entryPath).toBeDefined();
    expect(stylesPath).toBeDefined();
    const entry = assets.find((response) => new URL(response.url()).pathname === entryPath);
    const styles = assets.find((response) => new URL(response.url()).pathname === stylesPath);
    expect(await entry?.request().headerValue('accept-encoding')).toMatch(/\bbr\b/);
    for (const [response, type] of [
      [entry, /javascript/],
      [styles, /^text\/css/],
    ] as const) {
      const headers = await response?.allHeaders();
      expect(headers?.['content-encoding']).toBe('br');
      expect(headers?.vary?.split(', ')).toContain('Accept-Encoding');
      expect(headers?.['content-type']).toMatch(type);
      expect(headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    const sent = Number((await entry?.allHeaders())?.['content-length']);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(ENTRY_BUDGET_BYTES);
  } finally {
    await context.close();
  }
});

test('a client that takes gzip only gets the gzip copy, and one that takes nothing the file itself: the same bytes', async () => {
  const html = await (await fetch(e2e.server.url, { headers: { Accept: 'text/html' } })).text();
  const entryPath = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';

  const gzip = await fetch(`${e2e.server.url}${entryPath}`, { headers: { 'Accept-Encoding': 'gzip' } });
  expect(gzip.headers.get('content-encoding')).toBe('gzip');
  expect(gzip.headers.get('vary')?.split(', ')).toContain('Accept-Encoding');
  const plain = await fetch(`${e2e.server.url}${entryPath}`, { headers: { 'Accept-Encoding': 'identity' } });
  expect(plain.headers.get('content-encoding')).toBeNull();
  expect(plain.headers.get('vary')?.split(', ')).toContain('Accept-Encoding');

  // fetch decodes gzip itself; the copy as sent is read again below, undecoded.
  const decoded = Buffer.from(await gzip.arrayBuffer());
  const file = Buffer.from(await plain.arrayBuffer());
  expect(decoded.equals(file)).toBe(true);
  expect(file.length).toBeGreaterThan(100_000);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    get(`${e2e.server.url}${entryPath}`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
  expect(raw.length).toBeLessThan(file.length / 2);
  expect(gunzipSync(raw).equals(file)).toBe(true);
});
