// Test helper: the API's in-process test server (apps/api/src/testing.ts), for integration tests.
// It is loaded with require() and typed here rather than imported: an import would pull the API's
// source into this composite project, outside its rootDir, and `tsc -b` would refuse it. The
// interface mirrors the part of the API's helper these tests use.

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

/** Starts the real API on an ephemeral port over a temporary SQLite file. */
export function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const api = require('../../../apps/api/src/testing') as { startTestServer(options: TestServerOptions): Promise<TestServer> };
  return api.startTestServer(options);
}
