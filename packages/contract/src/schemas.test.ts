import { API_ERROR_CODES, API_ERROR_STATUS, createErrorBodySchema, errorBody } from './errors';
import { challengeRequest, liveSessionMessage, publicConfig, readinessResponse, sessionListResponse, signInRequest } from './schemas';

const ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
const SID = 'N0xsTEwUEBv5lQGZA6Mo7n31';
const SIGNATURE = `0x${'1'.repeat(128)}1b`;

describe('request bodies are strict', () => {
  test.each([
    ['challenge', challengeRequest, { format: 'siwe' }],
    ['sign-in', signInRequest, { sid: SID, signature: SIGNATURE }],
  ] as const)('the %s body refuses an unknown key, naming it', (_name, schema, body) => {
    expect(schema.safeParse(body).success).toBe(true);
    const result = schema.safeParse({ ...body, admin: true });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['admin'], path: [] });
  });

  test('keys JSON.parse makes own properties (__proto__, constructor) are unknown keys too', () => {
    for (const text of ['{"__proto__":{"format":"json"}}', '{"constructor":{"prototype":{"polluted":true}}}']) {
      expect(challengeRequest.safeParse(JSON.parse(text)).success).toBe(false);
    }
  });
});

describe('the challenge request', () => {
  test.each([[{}], [{ format: 'json' }], [{ address: ADDRESS }], [{ address: ADDRESS.toLowerCase(), format: 'siwe' }], [{ interaction: 'Pe1Aw7hXzV3uQp0M2kTjR' }]])('accepts %j', (body) => {
    expect(challengeRequest.parse(body)).toEqual(body);
  });

  test.each([
    ['an unknown format', { format: 'xml' }],
    ['a short address', { address: '0x1234' }],
    ['an address without 0x', { address: ADDRESS.slice(2) }],
    ['a numeric address', { address: 12 }],
    ['an empty interaction', { interaction: '' }],
    ['an over-long interaction', { interaction: 'a'.repeat(129) }],
    ['a numeric interaction', { interaction: 7 }],
  ])('refuses %s', (_name, body) => {
    expect(challengeRequest.safeParse(body).success).toBe(false);
  });
});

describe('the sign-in request', () => {
  test('takes sid, signature and the optional message', () => {
    expect(signInRequest.parse({ sid: SID, signature: SIGNATURE, message: 'm' })).toEqual({ sid: SID, signature: SIGNATURE, message: 'm' });
  });

  test('a sid is at most 256 characters', () => {
    expect(signInRequest.safeParse({ sid: 'A'.repeat(256), signature: SIGNATURE }).success).toBe(true);
    const result = signInRequest.safeParse({ sid: 'A'.repeat(257), signature: SIGNATURE });
    expect(result.error?.issues[0]?.path).toEqual(['sid']);
  });

  test.each([
    ['64 bytes (EIP-2098 compact)', `0x${'1'.repeat(128)}`],
    ['66 bytes', `${SIGNATURE}00`],
    ["a contract wallet's 16 KiB", `0x${'ab'.repeat(16 * 1024)}`],
  ])('a signature of %s is taken (a contract wallet may sign with any number of bytes)', (_name, signature) => {
    expect(signInRequest.safeParse({ sid: SID, signature }).success).toBe(true);
  });

  test.each([
    ['no 0x', '1'.repeat(130)],
    ['an odd number of hex digits', `${SIGNATURE}0`],
    ['no bytes', '0x'],
    ['a non-hex digit', `${SIGNATURE.slice(0, -1)}g`],
  ])('a signature of %s is refused with a message that says what it must be', (_name, signature) => {
    const issue = signInRequest.safeParse({ sid: SID, signature }).error?.issues[0];
    expect(issue).toMatchObject({ path: ['signature'], message: 'must be 0x followed by an even number of hex digits' });
  });

  test('a signature over 16 KiB is refused, saying the limit', () => {
    const issue = signInRequest.safeParse({ sid: SID, signature: `0x${'ab'.repeat(16 * 1024 + 1)}` }).error?.issues[0];
    expect(issue).toMatchObject({ path: ['signature'], message: 'must be at most 16384 bytes (0x and 32768 hex digits)' });
  });
});

describe('answers', () => {
  test('an answer with a key its schema does not list is refused; PublicConfig may grow', () => {
    const session = { id: 'a', createdAt: null, lastSeenAt: null, expiresAt: 1, userAgent: null, current: true };
    expect(sessionListResponse.safeParse({ sessions: [session] }).success).toBe(true);
    expect(sessionListResponse.safeParse({ sessions: [{ ...session, address: ADDRESS }] }).success).toBe(false);
    const config = { domain: 'example.com', uri: 'https://example.com', chainId: 1, registration: 'open', devKeySignIn: false, challengeFormats: ['siwe'], returnOrigins: ['https://example.com'], cookieDomain: null };
    expect(publicConfig.parse({ ...config, theme: 'dark' })).toEqual(config);
  });

  test('times are non-negative integers, or null where a session may not know them', () => {
    const session = { id: 'a', createdAt: 1, lastSeenAt: 1, expiresAt: 1, userAgent: 'x', current: false };
    expect(sessionListResponse.safeParse({ sessions: [{ ...session, createdAt: -1 }] }).success).toBe(false);
    expect(sessionListResponse.safeParse({ sessions: [{ ...session, expiresAt: 1.5 }] }).success).toBe(false);
    expect(sessionListResponse.safeParse({ sessions: [{ ...session, expiresAt: null }] }).success).toBe(false);
  });

  test('readiness names only the known backing services', () => {
    expect(readinessResponse.safeParse({ status: 'ready', dependencies: [{ name: 'redis', ok: true, latencyMs: 0.4 }] }).success).toBe(true);
    expect(readinessResponse.safeParse({ status: 'ready', dependencies: [{ name: 'mysql', ok: true }] }).success).toBe(false);
    expect(readinessResponse.safeParse({ status: 'ready', dependencies: [{ name: 'rpc:8453', ok: false, error: 'down' }] }).success).toBe(true);
    for (const name of ['rpc:', 'rpc:0', 'rpc:1x', 'rpc:https://eth.example.test']) {
      expect(readinessResponse.safeParse({ status: 'ready', dependencies: [{ name, ok: true }] }).success).toBe(false);
    }
  });

  test('live-session messages are signed_in with an address, or signed_out', () => {
    expect(liveSessionMessage.parse({ type: 'signed_in', address: ADDRESS })).toEqual({ type: 'signed_in', address: ADDRESS });
    expect(liveSessionMessage.parse({ type: 'signed_out' })).toEqual({ type: 'signed_out' });
    expect(liveSessionMessage.safeParse({ type: 'signed_in' }).success).toBe(false);
    expect(liveSessionMessage.safeParse({ type: 'hello' }).success).toBe(false);
  });
});

describe('error bodies', () => {
  test('carry a known code and a message, nothing else', () => {
    expect(errorBody.parse({ error: { code: 'rate_limited', message: 'slow down' } })).toEqual({ error: { code: 'rate_limited', message: 'slow down' } });
    expect(errorBody.safeParse({ error: { code: 'teapot', message: 'x' } }).success).toBe(false);
    expect(errorBody.safeParse({ error: { code: 'rate_limited', message: 'x', stack: 'at ...' } }).success).toBe(false);
    expect(errorBody.safeParse({ error: { code: 'rate_limited' } }).success).toBe(false);
  });

  test("one answer's error body takes only its own codes", () => {
    const notFound = createErrorBodySchema(['not_found']);
    expect(notFound.safeParse({ error: { code: 'not_found', message: 'x' } }).success).toBe(true);
    expect(notFound.safeParse({ error: { code: 'unauthenticated', message: 'x' } }).success).toBe(false);
  });

  test('every code has a 4xx or 5xx status', () => {
    expect(API_ERROR_CODES).toEqual(Object.keys(API_ERROR_STATUS));
    for (const code of API_ERROR_CODES) expect(API_ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
  });
});
