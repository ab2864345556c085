// Test helpers: the API's in-process test server (apps/api/src/testing.ts), for integration tests.
// It is loaded with require() and typed here rather than imported: an import would pull the API's
// source into this composite project, outside its rootDir, and `tsc -b` would refuse it. The
// interface mirrors the part of the API's helper these tests use.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWalletLoginError, type WalletLoginError } from './errors';

export interface TestServerOptions {
  /** @default 'open' */
  registration?: 'open' | 'closed';
  /** @default the server's own http://127.0.0.1:PORT */
  publicOrigin?: string;
  /** Initial clock time, ms. @default 2026-01-01T00:00:00Z */
  now?: number;
}

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The server's pinned clock. */
  clock: { now(): number; set(ms: number): void; advance(ms: number): void };
  close(): Promise<void>;
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
    get url() {
      return running().url;
    },
    get clock() {
      return running().clock;
    },
    close: () => running().close(),
  };
}

/** Starts the real API on an ephemeral port over a temporary SQLite file. */
export function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const api = require('../../../apps/api/src/testing') as { startTestServer(options: TestServerOptions): Promise<TestServer> };
  return api.startTestServer(options);
}

/** A port nothing listens on: bound once, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The WalletLoginError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<WalletLoginError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isWalletLoginError(error)) throw new Error(`expected a WalletLoginError, got ${String(error)}`);
  return error;
}
