// The app in-process for the route tests: createApp over a temporary SQLite file on a pinned
// clock, called through supertest, with a cookie-keeping client as a browser is.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createApp, type AppConfig } from '../../src/app';
import { createLocalSessionEvents } from '../../src/events/local';
import type { SignedOutEvent } from '../../src/events/types';
import { openSqliteStores } from '../../src/stores/sqlite';
import type { Stores } from '../../src/stores/types';
import { createTestClock, type MutableClock, privateKeyToAddress, signMessage, TEST_KEY, TEST_START_TIME, testAppConfig } from '@wallet-login/testkit';

/** The public origin of the app under test. */
export const ORIGIN = 'http://localhost:8080';
export const ADDRESS = privateKeyToAddress(TEST_KEY);
/** A second, unrelated key. */
export const OTHER_KEY = `0x${'42'.repeat(32)}`;
export const OTHER_ADDRESS = privateKeyToAddress(OTHER_KEY);

export type Server = ReturnType<ReturnType<typeof createApp>['callback']>;

export interface Harness {
  server: Server;
  /** The stores the app runs on (wrapped, when `wrap` was given). */
  stores: Stores;
  clock: MutableClock;
  config: AppConfig;
  /** Every sign-out event the app announced. */
  published: SignedOutEvent[];
}

let cleanups: Array<() => Promise<void>> = [];

/** Closes every app `setup` started; call it in afterEach. */
export async function closeApps(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
}

/** The app with `overrides` over the test settings, on stores `wrap` may replace parts of. */
export function setup(overrides: Partial<AppConfig> = {}, wrap: (stores: Stores) => Stores = (stores) => stores): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-login-app-'));
  const clock = createTestClock(TEST_START_TIME);
  const real = openSqliteStores({ file: join(dir, 'db.sqlite'), clock });
  const stores = wrap(real);
  const config = testAppConfig(ORIGIN, overrides);
  const published: SignedOutEvent[] = [];
  const events = createLocalSessionEvents();
  events.subscribe((event) => published.push(event));
  const app = createApp({ config, stores, clock, random: (n) => randomBytes(n), logger: pino({ level: 'silent' }), events });
  cleanups.push(async () => {
    await real.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server: app.callback(), stores, clock, config, published };
}

/** Registers `key`'s address directly in the store. */
export async function register(h: Pick<Harness, 'stores' | 'clock'>, key = TEST_KEY): Promise<void> {
  await h.stores.users.add(privateKeyToAddress(key), h.clock.now());
}

/** A cookie-keeping client, as a browser is; it sends `userAgent` when given. */
export class Client {
  readonly jar = new Map<string, string>();
  lastSetCookie: string[] = [];

  constructor(private readonly server: Server | string, private readonly userAgent?: string) {}

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keep(res: request.Response): request.Response {
    const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
    this.lastSetCookie = raw ?? [];
    for (const line of this.lastSetCookie) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  private async send(req: request.Test, body: unknown, headers: Record<string, string>): Promise<request.Response> {
    req = req.set('Cookie', this.cookieHeader());
    if (this.userAgent !== undefined) req = req.set('User-Agent', this.userAgent);
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    return this.keep(await (body === undefined ? req : req.send(body as object)));
  }

  post(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<request.Response> {
    return this.send(request(this.server).post(path), body, headers);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<request.Response> {
    return this.send(request(this.server).get(path), undefined, headers);
  }

  delete(path: string, headers: Record<string, string> = {}): Promise<request.Response> {
    return this.send(request(this.server).delete(path), undefined, headers);
  }

  /** Challenge (naming `key`'s address unless `named` is false) → sign → login/register; returns the final response. */
  async signIn(
    key = TEST_KEY,
    { mode = 'login', format = 'siwe', named = true, headers = {} }: { mode?: 'login' | 'register'; format?: 'siwe' | 'json'; named?: boolean; headers?: Record<string, string> } = {},
  ): Promise<request.Response> {
    const challenge = await this.post('/api/auth/challenge', named ? { format, address: privateKeyToAddress(key) } : { format }, headers);
    expect(challenge.status).toBe(200);
    const signature = signMessage({ message: challenge.body.message, privateKey: key });
    return this.post(`/api/auth/${mode}`, { sid: challenge.body.sid, signature, message: challenge.body.message }, headers);
  }
}

/** The error body's status and code, a message, and nothing internal. */
export function expectError(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}
