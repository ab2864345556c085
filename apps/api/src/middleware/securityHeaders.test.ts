// Security headers on API and page answers, HSTS only where TLS is in play, no-store on auth
// answers, and TRUST_PROXY: X-Forwarded-* count only when it is on, and then for one hop only.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createApp, type AppConfig } from '../app';
import { openSqliteStores } from '../stores/sqlite';
import type { Stores } from '../stores/types';
import { createTestClock, TEST_START_TIME, testAppConfig } from '@wallet-login/testkit';
import { API_CONTENT_SECURITY_POLICY, HSTS } from './securityHeaders';

let dir: string;
let stores: Stores;
const clock = createTestClock(TEST_START_TIME);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-headers-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>sign in</title>');
  stores = openSqliteStores({ file: join(dir, 'wallet-login.sqlite'), clock });
});
afterAll(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const appFor = (publicOrigin: string, overrides: Partial<AppConfig> = {}, appStores = stores) =>
  createApp({
    config: testAppConfig(publicOrigin, { webDir: dir, ...overrides }),
    stores: appStores,
    clock,
    random: (n) => new Uint8Array(n).map((_, i) => i + 1),
    logger: pino({ level: 'silent' }),
  }).callback();

describe('every answer', () => {
  const app = () => appFor('http://localhost:8080');

  test.each(['/api/auth/me', '/api/config', '/healthz', '/metrics', '/api/nowhere'])('%s: nosniff, no framing, no referrer, the strict API policy', async (path) => {
    const res = await request(app()).get(path);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toBe(API_CONTENT_SECURITY_POLICY);
    expect(API_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(API_CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
  });

  test('the page gets a policy for a Vite build: own scripts and styles, data: images, connections to its own origin and WebSocket', async () => {
    const res = await request(app()).get('/').set('Host', 'login.example.com').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>sign in</title>');
    const policy = Object.fromEntries(
      String(res.headers['content-security-policy'])
        .split('; ')
        .map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1).join(' ')]),
    );
    expect(policy).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'font-src': "'self'",
      'connect-src': "'self' ws://login.example.com",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'self'",
      'frame-ancestors': "'none'",
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('a Host header that is not a plain host[:port] stays out of the policy', async () => {
    const res = await request(app()).get('/').set('Host', "evil.example; script-src *").set('Accept', 'text/html');
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'; ");
    expect(res.headers['content-security-policy']).not.toContain('evil');
  });

  test('auth answers, errors included, are not stored by caches', async () => {
    for (const res of [await request(app()).get('/api/auth/me'), await request(app()).post('/api/auth/challenge')]) {
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });
});

describe('HSTS', () => {
  test('is not sent when neither the request nor the public origin is https', async () => {
    const res = await request(appFor('http://localhost:8080')).get('/api/auth/me');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  test('is sent when the public origin is https, one year with subdomains', async () => {
    const res = await request(appFor('https://login.example.com', { trustProxy: true })).get('/api/auth/me').set('X-Forwarded-Proto', 'https');
    expect(res.headers['strict-transport-security']).toBe(HSTS);
    expect(HSTS).toBe('max-age=31536000; includeSubDomains');
  });
});

describe('TRUST_PROXY', () => {
  // Rate-limit counters of their own per test: the limit is how the client address shows.
  let limited: Stores;
  let files = 0;
  beforeEach(() => {
    files += 1;
    limited = openSqliteStores({ file: join(dir, `limits-${files}.sqlite`), clock });
  });
  afterEach(async () => {
    await limited.close();
  });
  const secureCookie = (res: request.Response): boolean =>
    ((res.headers['set-cookie'] ?? []) as unknown as string[]).some((line) => line.startsWith('__Host-wl.sid=') && /; secure/i.test(line));

  test('on: X-Forwarded-Proto https makes the request secure (Secure __Host- cookie) and the last X-Forwarded-For hop is the client', async () => {
    const app = appFor('https://login.example.com', { trustProxy: true, rateLimitIpPerMinute: 1 }, limited);
    const first = await request(app).post('/api/auth/challenge').set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', '198.51.100.7, 203.0.113.1');
    expect(first.status).toBe(200);
    expect(secureCookie(first)).toBe(true);
    // One hop is trusted: the rate limit counts the address the proxy saw, not what the client claims before it.
    const sameClient = await request(app).post('/api/auth/challenge').set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', '192.0.2.99, 203.0.113.1');
    expect(sameClient.status).toBe(429);
    const otherClient = await request(app).post('/api/auth/challenge').set('X-Forwarded-Proto', 'https').set('X-Forwarded-For', '203.0.113.2');
    expect(otherClient.status).toBe(200);
  });

  test('off: X-Forwarded-For and X-Forwarded-Proto are ignored', async () => {
    const app = appFor('http://localhost:8080', { trustProxy: false, rateLimitIpPerMinute: 1 }, limited);
    const first = await request(app).post('/api/auth/challenge').set('X-Forwarded-For', '203.0.113.1').set('X-Forwarded-Proto', 'https');
    expect(first.status).toBe(200);
    expect(first.headers['strict-transport-security']).toBeUndefined();
    expect(((first.headers['set-cookie'] ?? []) as unknown as string[]).every((line) => !/; secure/i.test(line))).toBe(true);
    // A different claimed address is the same client: the socket's.
    const second = await request(app).post('/api/auth/challenge').set('X-Forwarded-For', '203.0.113.2');
    expect(second.status).toBe(429);
  });
});
