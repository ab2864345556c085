// Input: whatever bytes arrive, the answer is a typed 4xx (400 invalid_request, 413
// payload_too_large, 415 unsupported_media_type), never a 500, and nothing is stored: no challenge,
// no session, no user, and a challenge already issued stays usable.

import { request } from 'node:http';
import { BODY_LIMIT_BYTES } from '../../src/middleware/body';
import { ADDRESS, Browser, expectError, registeredBrowser, snapshot, useServer } from './support';

const server = useServer();
const ENDPOINTS = ['/api/auth/challenge', '/api/auth/login', '/api/auth/register'];

/** Sends `raw` to every endpoint; each must answer `status` `code` with the stored state unchanged. */
async function expectRefusedEverywhere(raw: string | Buffer, status: number, code: string, type = 'application/json', headers: Record<string, string> = {}) {
  const { url, stores, browser: victim } = await registeredBrowser(server());
  const issued = await victim.challenge();
  const before = await snapshot(stores);
  for (const path of ENDPOINTS) {
    const attacker = new Browser(url);
    expectError(await attacker.send('POST', path, { raw, type, headers }), status, code);
    expect(attacker.jar.size).toBe(0);
    // The same bytes with the victim's cookie change nothing either.
    expectError(await victim.send('POST', path, { raw, type, headers }), status, code);
  }
  expect(await snapshot(stores)).toEqual(before);
  expect((await victim.login({ sid: issued.sid, signature: issued.signature })).status).toBe(200);
}

describe('not JSON', () => {
  test.each([
    ['a truncated object', '{"sid":'],
    ['an unquoted key', '{sid: 1}'],
    ['single quotes', "{'sid':'a'}"],
    ['a trailing comma', '{"format":"siwe",}'],
    ['NaN', 'NaN'],
    ['two values', '{} {}'],
    ['a comment', '{/* x */}'],
  ])('%s: 400 invalid_request', async (_name, raw) => {
    await expectRefusedEverywhere(raw, 400, 'invalid_request');
  });

  test('invalid UTF-8 bytes in the values: 400 invalid_request', async () => {
    const raw = Buffer.concat([
      Buffer.from('{"format":"siwe'), Buffer.from([0xff, 0xfe]), Buffer.from(`","sid":"${'A'.repeat(24)}`), Buffer.from([0xc0, 0xaf]),
      Buffer.from(`","signature":"0x${'1'.repeat(130)}"}`),
    ]);
    await expectRefusedEverywhere(raw, 400, 'invalid_request');
  });

  test('a UTF-8 byte-order mark before the JSON is ignored (RFC 8259 §8.1 allows it)', async () => {
    const { url } = server();
    const res = await new Browser(url).send('POST', '/api/auth/challenge', { raw: `\ufeff{"address":"${ADDRESS}"}` });
    expect(res.status).toBe(200);
    expect(res.body.message.split('\n')[1]).toBe(ADDRESS);
  });

  test.each([
    ['UTF-16', 'application/json; charset=utf-16'],
    ['Latin-1', 'application/json; charset=iso-8859-1'],
    ['JSON lines', 'application/jsonl'],
    ['no type at all', ''],
  ])('a JSON body declared as %s: 415 unsupported_media_type', async (_name, type) => {
    await expectRefusedEverywhere('{}', 415, 'unsupported_media_type', type);
  });
});

describe('JSON that is not an object', () => {
  test.each([
    ['a string', '"hello"'],
    ['a number', '1'],
    ['true', 'true'],
    ['an empty array', '[]'],
    ['an array of an object', '[{"format":"json"}]'],
  ])('%s: 400 invalid_request', async (_name, raw) => {
    await expectRefusedEverywhere(raw, 400, 'invalid_request');
  });

  test('null: 400 invalid_request from challenge, login and register', async () => {
    const { url, stores } = server();
    const before = await snapshot(stores);
    for (const path of ['/api/auth/challenge', '/api/auth/login', '/api/auth/register']) {
      expectError(await new Browser(url).send('POST', path, { raw: 'null' }), 400, 'invalid_request');
    }
    expect(await snapshot(stores)).toEqual(before);
  });
});

describe('wrong types and values', () => {
  const SID = 'A'.repeat(24);
  const SIGNATURE = `0x${'1'.repeat(130)}`;
  test.each([
    ['a numeric sid', { sid: 1, signature: SIGNATURE }],
    ['an array sid', { sid: [SID], signature: SIGNATURE }],
    ['an object sid', { sid: { $ne: '' }, signature: SIGNATURE }],
    ['a null sid', { sid: null, signature: SIGNATURE }],
    ['a boolean signature', { sid: SID, signature: true }],
    ['a numeric message', { sid: SID, signature: SIGNATURE, message: 1 }],
    ['a missing sid', { signature: SIGNATURE }],
    ['a missing signature', { sid: SID }],
    ['an empty object', {}],
    ['a 257-character sid', { sid: 'A'.repeat(257), signature: SIGNATURE }],
    ['a sid with punctuation', { sid: `${SID}'; DROP TABLE challenges; --`, signature: SIGNATURE }],
    ['a sid with a path', { sid: '../../etc/passwd', signature: SIGNATURE }],
    ['a 7-character sid', { sid: 'AAAAAAA', signature: SIGNATURE }],
  ])('login with %s: 400 invalid_request', async (_name, body) => {
    const { url, stores } = server();
    const before = await snapshot(stores);
    for (const mode of ['login', 'register'] as const) expectError(await new Browser(url).login(body, mode), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
  });

  test.each([
    ['an unknown format', { format: 'xml' }],
    ['a format array', { format: ['siwe'] }],
    ['a numeric address', { address: 12 }],
    ['an address object', { address: { toString: 'x' } }],
    ['a 65-character address', { address: `0x${'a'.repeat(63)}` }],
  ])('challenge with %s: 400 invalid_request', async (_name, body) => {
    const { url, stores } = server();
    const before = await snapshot(stores);
    expectError(await new Browser(url).post('/api/auth/challenge', body), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
  });
});

describe('__proto__ and constructor keys', () => {
  afterEach(() => {
    // Nothing a body said may have reached Object.prototype.
    const probe = {} as Record<string, unknown>;
    for (const key of ['sid', 'signature', 'format', 'address', 'polluted', 'admin']) expect(probe[key]).toBeUndefined();
  });

  test('login fields under __proto__ are not inherited: 400 invalid_request', async () => {
    const { url, stores } = server();
    const browser = new Browser(url);
    const c = await browser.challenge();
    const before = await snapshot(stores);
    const raw = `{"__proto__":{"sid":"${c.sid}","signature":"${c.signature}"}}`;
    expectError(await browser.send('POST', '/api/auth/login', { raw }), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
  });

  // JSON.parse makes __proto__ an own key, so the strict request bodies refuse it as unknown.
  test('a __proto__ key holding a challenge format: 400 invalid_request everywhere', async () => {
    await expectRefusedEverywhere('{"__proto__":{"format":"json","address":"not an address"}}', 400, 'invalid_request');
  });

  test('constructor.prototype and __proto__ beside real fields: 400 invalid_request, the real challenge still usable', async () => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    const before = await snapshot(stores);
    const raw = `{"sid":"${c.sid}","signature":"${c.signature}","__proto__":{"admin":true,"address":"0x0000000000000000000000000000000000000001"},"constructor":{"prototype":{"polluted":true}}}`;
    expectError(await browser.send('POST', '/api/auth/login', { raw }), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
    expect((await browser.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
    expect(await browser.whoami()).toBe(ADDRESS);
    expect((await stores.sessions.listFor(ADDRESS))[0]?.data).not.toHaveProperty('admin');
  });
});

describe('size', () => {
  const big = `{"sid":"${'A'.repeat(2 * 1024 * 1024)}","signature":"0x"}`;

  test('2 MB bodies: 413 payload_too_large everywhere, logout included', async () => {
    await expectRefusedEverywhere(big, 413, 'payload_too_large');
    const { url, stores } = server();
    const browser = new Browser(url);
    await stores.users.add(ADDRESS, 0);
    await browser.signIn();
    expectError(await browser.send('POST', '/api/auth/logout', { raw: big }), 413, 'payload_too_large');
    expect(await browser.whoami()).toBe(ADDRESS);
  });

  test('2 MB sent chunked, without a length: 413 payload_too_large', async () => {
    const { url, stores } = server();
    const before = await snapshot(stores);
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
      for (let i = 0; i < 32; i++) req.write(big.slice(i * 65536, (i + 1) * 65536));
      req.end(big.slice(32 * 65536));
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body).error.code).toBe('payload_too_large');
    expect(await snapshot(stores)).toEqual(before);
  });

  test("the limit is 96 KiB (a contract wallet's 16 KiB signature and the message fit): one byte over is 413, at the limit the body is read (and judged: 400)", async () => {
    const { url } = server();
    const limit = 96 * 1024;
    expect(BODY_LIMIT_BYTES).toBe(limit);
    const fill = (size: number) => `{"sid":"${'A'.repeat(size - '{"sid":""}'.length)}"}`;
    expect(fill(limit)).toHaveLength(limit);
    expectError(await new Browser(url).send('POST', '/api/auth/login', { raw: fill(limit + 1) }), 413, 'payload_too_large');
    expectError(await new Browser(url).send('POST', '/api/auth/login', { raw: fill(limit) }), 400, 'invalid_request');
  });
});

describe('deeply nested JSON', () => {
  const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  test.each([
    ['arrays, 16,000 deep', arrays(16_000)],
    ['arrays under format and sid, 7,000 deep each', `{"format":${arrays(7_000)},"sid":${arrays(7_000)},"signature":"0x"}`],
    ['objects under format and sid, 2,500 deep each', `{"format":${objects(2_500)},"sid":${objects(2_500)},"signature":"0x"}`],
  ])('%s: 400 invalid_request', async (_name, raw) => {
    expect(raw.length).toBeLessThanOrEqual(32 * 1024);
    await expectRefusedEverywhere(raw, 400, 'invalid_request');
  });

  test('unknown keys holding deep nesting are refused, not walked: 400 invalid_request', async () => {
    await expectRefusedEverywhere(`{"x":${objects(3_000)},"y":${arrays(5_000)}}`, 400, 'invalid_request');
  });
});

describe('unicode', () => {
  /** Replaces the first ASCII letter or digit of `text` with `replace(char)`. */
  const swapFirst = (text: string, replace: (char: string) => string) => text.replace(/[A-Za-z0-9]/, replace);
  const fullwidth = (char: string) => String.fromCharCode(char.charCodeAt(0) + 0xfee0);

  test.each([
    ['a fullwidth letter in the sid', (sid: string, signature: string) => ({ sid: swapFirst(sid, fullwidth), signature })],
    ['a Cyrillic look-alike in the sid', (sid: string, signature: string) => ({ sid: `${sid.slice(0, -1)}А`, signature })],
    ['a combining mark in the sid', (sid: string, signature: string) => ({ sid: `${sid}\u0301`, signature })],
    ['a zero-width space in the sid', (sid: string, signature: string) => ({ sid: `${sid}\u200b`, signature })],
    ['a NUL in the sid', (sid: string, signature: string) => ({ sid: `${sid}\u0000`, signature })],
    ['a lone surrogate in the sid', (sid: string, signature: string) => ({ sid: `${sid}\ud800`, signature })],
    ['Arabic-Indic digits in the signature', (sid: string, signature: string) => ({ sid, signature: signature.replace(/[0-9]/, (d) => String.fromCharCode(0x0660 + Number(d))) })],
    ['a right-to-left override in the signature', (sid: string, signature: string) => ({ sid, signature: `\u202e${signature}` })],
  ])('%s: 400 invalid_request, the real challenge still usable', async (_name, make) => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    const before = await snapshot(stores);
    expectError(await browser.login(make(c.sid, c.signature)), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
    expect((await browser.login({ sid: c.sid, signature: c.signature })).status).toBe(200);
  });

  test.each([
    ['a fullwidth format', { format: 'ｓｉｗｅ' }],
    ['a fullwidth 0x address', { address: `０ｘ${ADDRESS.slice(2)}` }],
    ['an address with a Cyrillic look-alike', { address: ADDRESS.replace(/[aA]/, 'а') }],
  ])('challenge with %s: 400 invalid_request, nothing stored', async (_name, body) => {
    const { url, stores } = server();
    const before = await snapshot(stores);
    expectError(await new Browser(url).post('/api/auth/challenge', body), 400, 'invalid_request');
    expect(await snapshot(stores)).toEqual(before);
  });

  test('a message with unicode sent along: 401 message_mismatch (only the issued text is signed)', async () => {
    const { stores, browser } = await registeredBrowser(server());
    const c = await browser.challenge();
    const before = await snapshot(stores);
    const message = c.message.replace('Sign in', 'Sign in ✓ 🔑 ﷽');
    expectError(await browser.login({ sid: c.sid, signature: c.signature, message }), 401, 'message_mismatch');
    expect(await snapshot(stores)).toEqual({ ...before, challenges: 0 });
    expect(await browser.whoami()).toBeUndefined();
  });
});
