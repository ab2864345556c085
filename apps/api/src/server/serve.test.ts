// The serving layer in-process: the limits it puts on slow and idle clients, and how it drains at
// a clean stop (Serving.close). The same against the real process, under load, with many slow
// connections: apps/api/test/faults/shutdown.faults.ts and slowClients.faults.ts.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { formatCookieHeader, register } from '@wallet-login/client';
import {
  connectLiveSession, createTestClock, eventually, liveSessionUrl, privateKeyToAddress, startServing, TEST_KEY, TEST_START_TIME, testAppConfig, type TestServing,
} from '@wallet-login/testkit';
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

const portOf = (url: string): number => Number(new URL(url).port);

/** GET over `agent`; resolves with the response (body read) and whether the socket was reused. */
function getOn(agent: Agent, url: string): Promise<{ res: IncomingMessage; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ res, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

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

describe('a drain (close)', () => {
  test('answers a request sent on an idle keep-alive connection, with Connection: close, then refuses new connections', async () => {
    const agent = new Agent({ keepAlive: true });
    const first = await getOn(agent, `${server.url}/healthz`);
    expect(first.res.headers.connection).toBe('keep-alive');

    const closing = server.serving.close(5000);
    const second = await getOn(agent, `${server.url}/healthz`);
    expect({ status: second.res.statusCode, reused: second.reused, connection: second.res.headers.connection }).toEqual({ status: 200, reused: true, connection: 'close' });
    // Done when its last connection closed, not at the grace.
    const started = performance.now();
    await closing;
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(getOn(agent, `${server.url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
  });

  test('answers a request under way when it starts with Connection: close', async () => {
    const body = JSON.stringify({ address: privateKeyToAddress(TEST_KEY) });
    const arrived = new Promise((resolve) => server.serving.server.once('request', resolve));
    const connection = await openRawConnection({
      port: portOf(server.url),
      head: `POST /api/auth/challenge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    });
    await arrived;
    const closing = server.serving.close(5000);
    connection.socket.write(body);
    await closing;
    await connection.closed;
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n(?:[^\r]+\r\n)*Connection: close\r\n/i);
  });

  test('closes connections left idle for half its grace, and drops a stalled request at the grace', async () => {
    const port = portOf(server.url);
    const idle = await openRawConnection({ port, head: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' });
    await eventually(() => expect(idle.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nConnection: keep-alive\r\n/i));
    // Headers that never end (within the 10 s headers timeout, far past this grace).
    const stalled = await openRawConnection({ port, head: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n' });

    const started = performance.now();
    await server.serving.close(600);
    const idleFor = (await idle.closed) - started;
    const stalledFor = (await stalled.closed) - started;
    expect(idleFor).toBeGreaterThanOrEqual(290);
    expect(idleFor).toBeLessThan(590);
    expect(stalledFor).toBeGreaterThanOrEqual(590);
    expect(stalledFor).toBeLessThan(1000);
  });

  test('closes live-session sockets with 1001 going away', async () => {
    const { session } = await register({ baseUrl: server.url, privateKey: TEST_KEY });
    const client = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: formatCookieHeader(session.cookies)! });
    // (A short grace: the SDK's own pool keeps an idle connection, closed at half of it.)
    await server.serving.close(200);
    // RFC 6455 §7.4.1: 1001, the endpoint is going away.
    expect(await client.closed).toEqual({ code: 1001, reason: 'server shutting down' });
  });
});

/** serve() itself, for what startServing does not set: the HTTP limits, listen: false. */
async function serveWith(options: Pick<ServeOptions, 'http' | 'listen' | 'tls'>): Promise<{ serving: Serving; close(): Promise<void> }> {
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

test('listen: false serves the connections handed to accept (a cluster worker), to the same limits, and drains them', async () => {
  const { serving, close } = await serveWith({ listen: false, http: { headersTimeoutMs: 300, requestTimeoutMs: 1000, keepAliveTimeoutMs: 5000 } });
  expect(serving.server.listening).toBe(false);
  // Stands in for the cluster primary: accepts, reads nothing, hands the connection over.
  const front = createServer({ pauseOnConnect: true }, (socket) => serving.accept(socket));
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as AddressInfo).port;
  try {
    const agent = new Agent({ keepAlive: true });
    expect((await getOn(agent, `http://127.0.0.1:${port}/healthz`)).res.statusCode).toBe(200);

    // The headers timeout holds for a handed-over connection too (Node checks it only on a
    // server that emitted 'listening').
    const idle = await openRawConnection({ port });
    const lived = await lifetime(idle);
    idle.socket.destroy();
    expect(lived).toBeGreaterThanOrEqual(250);
    expect(lived).toBeLessThan(1000);
    expect(idle.received()).toMatch(/^HTTP\/1\.1 408 /);

    // The drain waits for the handed-over keep-alive connection, then drops any handed over later.
    const closing = serving.close(5000);
    const last = await getOn(agent, `http://127.0.0.1:${port}/healthz`);
    expect({ reused: last.reused, connection: last.res.headers.connection }).toEqual({ reused: true, connection: 'close' });
    await closing;
    const late = await openRawConnection({ port, head: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' });
    await late.closed;
    expect(late.received()).toBe('');
    agent.destroy();
  } finally {
    await new Promise((resolve) => front.close(resolve));
    await close();
  }
});
