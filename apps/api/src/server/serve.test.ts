// The serving layer in-process: the limits it puts on slow and idle clients. The same against the
// real process with many slow connections: apps/api/test/faults/slowClients.faults.ts.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTestClock, startServing, TEST_START_TIME, testAppConfig, type TestServing } from '@wallet-login/testkit';
import { openRawConnection, type RawConnection } from '../../test/support/httpClients';
import { HTTP_DEFAULTS } from '../config';
import { createLocalSessionEvents } from '../events/local';
import { createMetrics } from '../metrics';
import { openSqliteStores } from '../stores/sqlite/index';
import { CONNECTIONS_CHECK_MS, serve, type ServeOptions, type Serving } from './serve';
import { createSelfSignedCertificate } from './tls';

let server: TestServing;
beforeEach(async () => {
  server = await startServing();
});
afterEach(async () => {
  await server.close();
});

test('holds slow and idle clients to seconds (HTTP_DEFAULTS), checked every second', () => {
  const { server: http } = server.serving;
  expect({ headers: http.headersTimeout, request: http.requestTimeout, keepAlive: http.keepAliveTimeout }).toEqual({
    headers: HTTP_DEFAULTS.headersTimeoutMs,
    request: HTTP_DEFAULTS.requestTimeoutMs,
    keepAlive: HTTP_DEFAULTS.keepAliveTimeoutMs,
  });
  // Node's default check, every 30 s, would let a stalled request outlive headersTimeout by that much.
  expect((http as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(CONNECTIONS_CHECK_MS);
});

/** serve() itself, for what startServing does not set: the HTTP limits. */
async function serveWith(options: Pick<ServeOptions, 'http' | 'tls'>): Promise<{ serving: Serving; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-login-serve-'));
  const clock = createTestClock(TEST_START_TIME);
  const stores = openSqliteStores({ file: join(dir, 'wallet-login.sqlite'), clock });
  const serving = await serve({
    ...options,
    config: testAppConfig('http://127.0.0.1'),
    stores, events: createLocalSessionEvents(), metrics: createMetrics({ stores, instanceId: 'test-instance' }), clock,
    random: (n) => randomBytes(n), logger: pino({ level: 'silent' }),
  });
  return {
    serving,
    async close() {
      await serving.close(0);
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** When `connection` closes, ms after it opened; Infinity when it is still open after `limitMs`. */
const lifetime = async (connection: RawConnection, limitMs = 2000): Promise<number> =>
  (await Promise.race([connection.closed, new Promise<number>((resolve) => setTimeout(resolve, limitMs, Infinity))])) - connection.openedAt;

test('over TLS, a connection that never finishes its handshake is held to the headers timeout too', async () => {
  const tls = await createSelfSignedCertificate({ hosts: ['127.0.0.1'], now: TEST_START_TIME });
  const { serving, close } = await serveWith({ tls, http: { headersTimeoutMs: 300, requestTimeoutMs: 1000, keepAliveTimeoutMs: 1000 } });
  try {
    const idle = await openRawConnection({ port: serving.port });
    const lived = await lifetime(idle);
    idle.socket.destroy();
    expect(lived).toBeGreaterThanOrEqual(250);
    expect(lived).toBeLessThan(1000);
  } finally {
    await close();
  }
});
