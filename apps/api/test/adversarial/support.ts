// Shared pieces of the adversarial suite: a cookie-keeping browser over supertest, signed
// challenges, the stored-state snapshot every case compares before and after an attack, and the
// error-shape assertion.

import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Stores, User } from '../../src/stores/types';
import { privateKeyToAddress, signMessage, startTestServer, TEST_KEY, TEST_SESSION_KEYS, type TestServer, type TestServerOptions } from '@wallet-login/testkit';

/** The web3.js documentation key, and a second, unrelated key. */
export const KEY = TEST_KEY;
export const ADDRESS = privateKeyToAddress(KEY);
export const OTHER_KEY = `0x${'42'.repeat(32)}`;
export const OTHER_ADDRESS = privateKeyToAddress(OTHER_KEY);

export const COOKIE = 'wl.sid';
export const SIG_COOKIE = 'wl.sid.sig';

/** The test server for each test of the enclosing block, started fresh and closed after it. */
export function useServer(options: TestServerOptions = {}): () => TestServer {
  let current: TestServer | undefined;
  beforeEach(async () => {
    current = await startTestServer(options);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error('the server starts in beforeEach; use it inside tests');
    return current;
  };
}

/** A new browser on `server`, with `addresses` registered (created at 0), and the server's url and stores. */
export async function registeredBrowser(server: TestServer, addresses: string[] = [ADDRESS]): Promise<{ url: string; stores: Stores; browser: Browser }> {
  for (const address of addresses) await server.stores.users.add(address, 0);
  return { url: server.url, stores: server.stores, browser: new Browser(server.url) };
}

/** Two servers on one fresh SQLite data folder (the second serving the first's origin), closed and the folder removed after `use`. */
export async function withTwoInstances(name: string, use: (first: TestServer, second: TestServer) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `wallet-login-${name}-`));
  const first = await startTestServer({ dataDir });
  const second = await startTestServer({ dataDir, publicOrigin: first.url });
  try {
    await use(first, second);
  } finally {
    await second.close();
    await first.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** A JSON value to send as application/json. */
  json?: unknown;
  /** A raw body, sent with `type`. */
  raw?: string | Buffer;
  type?: string;
}

/** A cookie-keeping client, as a browser is. */
export class Browser {
  readonly jar = new Map<string, string>();
  lastSetCookie: string[] = [];

  /** @param defaults headers sent with every request (e.g. X-Forwarded-Proto behind a proxy) */
  constructor(readonly url: string, readonly defaults: Record<string, string> = {}) {}

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /**
   * A second browser holding a copy of this one's cookies (a stolen or planted cookie), talking
   * to `url` (another instance of the same site).
   */
  clone(url = this.url): Browser {
    const copy = new Browser(url, this.defaults);
    for (const [name, value] of this.jar) copy.jar.set(name, value);
    return copy;
  }

  async send(method: 'GET' | 'POST' | 'DELETE' | 'OPTIONS', path: string, options: RequestOptions = {}): Promise<request.Response> {
    const agent = request(this.url);
    let req = method === 'GET' ? agent.get(path) : method === 'POST' ? agent.post(path) : method === 'DELETE' ? agent.delete(path) : agent.options(path);
    if (this.jar.size > 0) req = req.set('Cookie', this.cookieHeader());
    for (const [name, value] of Object.entries({ ...this.defaults, ...options.headers })) req = req.set(name, value);
    // Raw bodies go out byte for byte (superagent would JSON-encode a Buffer sent as JSON).
    if (options.raw !== undefined) req = req.set('Content-Type', options.type ?? 'application/json').serialize((body: unknown) => body as string).send(options.raw);
    else if (options.json !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(options.json));
    return this.keep(await req);
  }

  post(path: string, json?: unknown, headers: Record<string, string> = {}): Promise<request.Response> {
    return this.send('POST', path, { json, headers });
  }

  get(path: string, headers: Record<string, string> = {}): Promise<request.Response> {
    return this.send('GET', path, { headers });
  }

  /** Asks for a challenge naming `key`'s address (or none) and signs it with `key`. */
  async challenge(key = KEY, { format = 'siwe', named = true }: { format?: 'siwe' | 'json'; named?: boolean } = {}): Promise<SignedChallenge> {
    const res = await this.post('/api/auth/challenge', named ? { format, address: privateKeyToAddress(key) } : { format });
    expect(res.status).toBe(200);
    const { sid, message, timestamp } = res.body as { sid: string; message: string; timestamp: number };
    return { sid, message, timestamp, signature: signMessage({ message, privateKey: key }) };
  }

  login(body: Record<string, unknown>, mode: 'login' | 'register' = 'login'): Promise<request.Response> {
    return this.post(`/api/auth/${mode}`, body);
  }

  /** Challenge → sign → login; expects success. */
  async signIn(key = KEY, mode: 'login' | 'register' = 'login'): Promise<void> {
    const c = await this.challenge(key);
    const res = await this.login({ sid: c.sid, signature: c.signature }, mode);
    expect([200, 201]).toContain(res.status);
    expect(res.body.address).toBe(privateKeyToAddress(key));
  }

  /** The address /me reports, or undefined when the answer is 401 unauthenticated. */
  async whoami(): Promise<string | undefined> {
    const res = await this.get('/api/auth/me');
    if (res.status === 401) {
      expect(res.body.error.code).toBe('unauthenticated');
      return undefined;
    }
    expect(res.status).toBe(200);
    return res.body.address as string;
  }

  private keep(res: request.Response): request.Response {
    const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
    this.lastSetCookie = raw ?? [];
    for (const line of this.lastSetCookie) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

export interface SignedChallenge {
  sid: string;
  message: string;
  timestamp: number;
  signature: string;
}

/** The error body shape, status and code; and that nothing internal leaks. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

/** What an attack must not change: live challenges and sessions, users, who is signed in. */
export interface StoredState {
  challenges: number;
  sessions: number;
  users: User[];
  /** Live sessions signed in as each known test address. */
  signedIn: Record<string, number>;
}

export async function snapshot(stores: Stores): Promise<StoredState> {
  const signedIn: Record<string, number> = {};
  for (const address of [ADDRESS, OTHER_ADDRESS]) signedIn[address] = (await stores.sessions.listFor(address)).length;
  return {
    challenges: await stores.challenges.count(),
    sessions: await stores.sessions.count(),
    users: await stores.users.list(),
    signedIn,
  };
}

/** The cookie signature koa (keygrip, HMAC-SHA1 with the first key) puts in `wl.sid.sig`. */
export function signCookie(name: string, value: string, key = TEST_SESSION_KEYS[0] as string): string {
  return createHmac('sha1', key).update(`${name}=${value}`).digest('base64url');
}
