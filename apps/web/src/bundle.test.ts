// The built page stays small and CSP-friendly: the entry's JavaScript (what every visitor loads)
// and all of it together stay within budget, web3.js stays in the chunk only developer mode loads,
// index.html has nothing inline for a strict Content-Security-Policy to refuse, and every script
// and stylesheet has the brotli and gzip copies the server sends.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { buildWeb } from '@wallet-login/testkit';

/** The budget for the sign-in page's JavaScript, gzipped. */
const BUDGET_BYTES = 150 * 1000;
/** What a visitor who signs in with a wallet downloads; React alone is about 60 kB of it. */
const ENTRY_BUDGET_BYTES = 100 * 1000;

let dir: string;
beforeAll(async () => {
  dir = await buildWeb();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gzipped = (file: string): number => gzipSync(readFileSync(join(dir, 'assets', file)), { level: 9 }).length;

test('the entry script and all scripts together are within their gzipped budgets', () => {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const entry = /<script type="module" crossorigin src="\/assets\/([^"]+\.js)"><\/script>/.exec(html)?.[1];
  expect(entry).toBeDefined();
  const scripts = readdirSync(join(dir, 'assets')).filter((file) => file.endsWith('.js'));
  expect(gzipped(entry as string)).toBeLessThanOrEqual(ENTRY_BUDGET_BYTES);
  expect(scripts.reduce((sum, file) => sum + gzipped(file), 0)).toBeLessThanOrEqual(BUDGET_BYTES);
});

test('web3.js signing is in the developer-key chunk only', () => {
  const scripts = readdirSync(join(dir, 'assets')).filter((file) => file.endsWith('.js'));
  const devKey = scripts.filter((file) => file.startsWith('devKey-'));
  expect(devKey).toHaveLength(1);
  // A hard-fork name from web3-eth-accounts' chain table: a string minification keeps.
  const marker = 'tangerineWhistle';
  const withWeb3 = scripts.filter((file) => readFileSync(join(dir, 'assets', file), 'utf8').includes(marker));
  expect(withWeb3).toEqual(devKey);
});

test('index.html loads files only: no inline script, style or handler', () => {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
});

test('every script and stylesheet has a brotli and a gzip copy that decode to it, brotli the smaller', () => {
  const files = readdirSync(join(dir, 'assets')).filter((file) => /\.(js|css)$/.test(file));
  expect(files.length).toBeGreaterThanOrEqual(3);
  for (const file of files) {
    const content = readFileSync(join(dir, 'assets', file));
    const br = readFileSync(join(dir, 'assets', `${file}.br`));
    const gz = readFileSync(join(dir, 'assets', `${file}.gz`));
    expect(brotliDecompressSync(br).equals(content)).toBe(true);
    expect(gunzipSync(gz).equals(content)).toBe(true);
    expect(br.length).toBeLessThan(gz.length);
    expect(gz.length).toBeLessThan(content.length);
  }
  // index.html is small and revalidated on every load: it is sent as it is.
  expect(existsSync(join(dir, 'index.html.br'))).toBe(false);
});
