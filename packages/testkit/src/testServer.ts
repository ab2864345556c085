// Test helper: the real app on an ephemeral 127.0.0.1 port, over a temporary SQLite file, with a
// pinned, settable clock. For this package's tests and for the SDK's.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, sessionCookieName, type AppConfig, type AppDeps } from '@wallet-login/api/app';
import { createLocalSessionEvents } from '@wallet-login/api/events/local';
import { attachLiveSessions } from '@wallet-login/api/server/liveSession';
import { loadConfig } from '@wallet-login/api/config';
import { openSqliteStores } from '@wallet-login/api/stores/sqlite/index';
import { createTestClock, type MutableClock } from './clock';
import type { Stores } from '@wallet-login/api/stores/types';

export interface TestServerOptions {
  /** @default 'open' */
  registration?: 'open' | 'closed';
  /** @default the server's own http://127.0.0.1:PORT */
  publicOrigin?: string;
  /** Initial clock time, ms. @default 2026-01-01T00:00:00Z */
  now?: number;
  /** Overrides for any other app setting. */
  config?: Partial<AppConfig>;
  /** Reuse a data directory (e.g. to test a restart); it is then not deleted on close. */
  dataDir?: string;
  /**
   * More of createApp's dependencies, e.g. `contractWallets` (a verifier on a local chain).
   * @default createApp's defaults
   */
  deps?: Partial<Omit<AppDeps, 'config' | 'stores' | 'clock' | 'random' | 'logger' | 'events'>>;
}

export interface TestServer {
  url: string;
  clock: MutableClock;
  stores: Stores;
  config: AppConfig;
  dataDir: string;
  close(): Promise<void>;
}

export const TEST_START_TIME = Date.UTC(2026, 0, 1);
export const TEST_SESSION_KEYS = ['test-session-key-0123456789abcdef0123456789'];

/** The production defaults (loadConfig of an empty environment) for `publicOrigin`, with test keys. */
export function testAppConfig(publicOrigin: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    ...loadConfig({ PUBLIC_ORIGIN: publicOrigin }),
    sessionKeys: TEST_SESSION_KEYS,
    // Suites make hundreds of requests from 127.0.0.1; the rate-limit tests set their own limits.
    rateLimitIpPerMinute: 1_000_000,
    rateLimitAddressFailuresPerHour: 1_000_000,
    instanceId: 'test-instance',
    ...overrides,
  };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wallet-login-test-'));
  const clock = createTestClock(options.now ?? TEST_START_TIME);
  const stores = openSqliteStores({ file: join(dataDir, 'wallet-login.sqlite'), clock });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = testAppConfig(options.publicOrigin ?? url, { registration: options.registration ?? 'open', ...options.config });
  const logger = pino({ level: 'silent' });
  const events = createLocalSessionEvents();
  const app = createApp({ ...options.deps, config, stores, clock, random: (n) => randomBytes(n), logger, events });
  server.on('request', app.callback());
  // The live-session WebSocket (/api/ws), as the real server has it.
  const liveSessions = attachLiveSessions({
    server, app, sessions: stores.sessions, events, clock, logger, allowedOrigins: config.allowedOrigins,
    cookieName: sessionCookieName(new URL(config.publicOrigin).protocol === 'https:', config.cookieDomain),
  });
  return {
    url,
    clock,
    stores,
    config,
    dataDir,
    async close() {
      await liveSessions.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The test server for the enclosing describe block (or file): started in beforeAll, closed in
 * afterAll. Its properties read the running server, so tests use it like a TestServer.
 */
export function useTestServer(options: TestServerOptions = {}): TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    current = await startTestServer(options);
  });
  afterAll(async () => {
    await current?.close();
  });
  const running = (): TestServer => {
    if (current === undefined) throw new Error('the test server starts in beforeAll; use it inside tests');
    return current;
  };
  return {
    get url() { return running().url; },
    get clock() { return running().clock; },
    get stores() { return running().stores; },
    get config() { return running().config; },
    get dataDir() { return running().dataDir; },
    close: () => running().close(),
  };
}
