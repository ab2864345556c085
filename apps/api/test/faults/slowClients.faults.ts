// Fault test (npm run test:faults): slow and idle clients against the built API as a real process
// with small limits set through its environment (headers 2 s, request 5 s, keep-alive 1 s). It
// holds hundreds of connections that send nothing, dribble a header byte a second (slowloris),
// dribble a body byte a second, or sit idle after one request; the server must close each within
// its bound (plus Node's connections-check period and a margin), while sign-ins through the SDK
// keep succeeding at about their usual latency.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register, signIn } from '@wallet-login/client';
import { freePort, TEST_KEY, TEST_SESSION_KEYS } from '@wallet-login/testkit';
import { createRecordingClient, openRawConnection, type RawConnection } from '../support/httpClients';
import { startApiProcess, type ApiProcess } from '../support/processes';

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 5000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
/** Node checks headers and request deadlines this often (the server sets it: CONNECTIONS_CHECK_MS). */
const CHECK_MS = 1000;
/** Node keeps an idle keep-alive socket this much past the keep-alive timeout it announces. */
const NODE_KEEP_ALIVE_BUFFER_MS = 1000;
/** Scheduling, a loaded event loop. */
const MARGIN_MS = 750;

const IDLE = 200;
const SLOW_HEADERS = 20;
const SLOW_BODIES = 10;
const KEPT_ALIVE = 10;
const LOGINS_BEFORE = 20;
/** Sign-ins while the slow connections are open: at least this many, for at most the longest bound. */
const LOGINS_DURING = 20;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

let dataDir: string;
let api: ApiProcess | undefined;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-slow-'));
});
afterAll(async () => {
  await api?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

test('idle, slowloris, slow-body and idle keep-alive connections are closed within their bounds; sign-ins keep their latency', async () => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  api = await startApiProcess({
    env: {
      DATA_DIR: dataDir, PORT: String(port), PUBLIC_ORIGIN: baseUrl, SESSION_KEYS: TEST_SESSION_KEYS.join(','), LOG_LEVEL: 'info',
      RATE_LIMIT_IP_PER_MINUTE: '1000000000', RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: '1000000000',
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    },
  });
  await register({ baseUrl, privateKey: TEST_KEY });
  const client = createRecordingClient();
  const timedLogin = async (): Promise<number> => {
    const start = performance.now();
    await signIn({ baseUrl, privateKey: TEST_KEY, fetch: client.fetch, timeoutMs: 10_000 });
    return performance.now() - start;
  };

  const before: number[] = [];
  for (let i = 0; i < LOGINS_BEFORE; i += 1) before.push(await timedLogin());

  const host = `Host: 127.0.0.1:${port}\r\n`;
  // Each kind of connection, the timeout that should close it, and by when (Node's check period
  // or its keep-alive buffer past the timeout).
  const groups: Record<string, { timeout: number; bound: number; connections: RawConnection[] }> = {
    // A connection that sends nothing is held to the headers timeout from its opening.
    idle: { timeout: HEADERS_TIMEOUT_MS, bound: HEADERS_TIMEOUT_MS + CHECK_MS, connections: await Promise.all(Array.from({ length: IDLE }, () => openRawConnection({ port }))) },
    'slowloris (a header byte a second)': {
      timeout: HEADERS_TIMEOUT_MS,
      bound: HEADERS_TIMEOUT_MS + CHECK_MS,
      connections: await Promise.all(Array.from({ length: SLOW_HEADERS }, () => openRawConnection({ port, drip: `GET /api/auth/me HTTP/1.1\r\n${host}X-Slow: ${'a'.repeat(60)}` }))),
    },
    'slow body (a byte a second)': {
      timeout: REQUEST_TIMEOUT_MS,
      bound: REQUEST_TIMEOUT_MS + CHECK_MS,
      connections: await Promise.all(
        Array.from({ length: SLOW_BODIES }, () =>
          openRawConnection({ port, head: `POST /api/auth/challenge HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 60\r\n\r\n`, drip: `{"address":"${'0'.repeat(46)}"}` }),
        ),
      ),
    },
    'idle keep-alive after one request': {
      timeout: KEEP_ALIVE_TIMEOUT_MS,
      bound: KEEP_ALIVE_TIMEOUT_MS + NODE_KEEP_ALIVE_BUFFER_MS,
      connections: await Promise.all(Array.from({ length: KEPT_ALIVE }, () => openRawConnection({ port, head: `GET /healthz HTTP/1.1\r\n${host}\r\n` }))),
    },
  };
  const all = Object.values(groups).flatMap((group) => group.connections);
  const longest = Math.max(...Object.values(groups).map((group) => group.bound)) + MARGIN_MS;

  // Sign-ins while they are open.
  const during: number[] = [];
  const openedAt = performance.now();
  while (during.length < LOGINS_DURING || (performance.now() - openedAt < longest && all.some((connection) => !connection.socket.destroyed))) {
    during.push(await timedLogin());
  }
  // Bounded: whatever is still open after the longest bound is a failure below, not a wait.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(Infinity), Math.max(0, openedAt + longest + 500 - performance.now()))));
  const lived = new Map<RawConnection, number>();
  await Promise.all(all.map(async (connection) => lived.set(connection, (await Promise.race([connection.closed, deadline])) - connection.openedAt)));
  clearTimeout(timer);
  for (const connection of all) connection.socket.destroy();

  for (const [name, { bound, connections }] of Object.entries(groups)) {
    const closed = connections.map((connection) => lived.get(connection)!).filter((time) => time !== Infinity);
    const range = closed.length === 0 ? '' : ` after ${Math.round(Math.min(...closed))}–${Math.round(Math.max(...closed))} ms`;
    process.stdout.write(`${name}: ${closed.length} of ${connections.length} closed by the server${range} (bound ${bound} ms + ${MARGIN_MS} ms margin)\n`);
  }
  process.stdout.write(`sign-in p50: ${median(before).toFixed(1)} ms before (${before.length}), ${median(during).toFixed(1)} ms with the slow connections open (${during.length})\n`);

  for (const [name, { timeout, bound, connections }] of Object.entries(groups)) {
    const times = connections.map((connection) => lived.get(connection)!);
    // Closed within the bound, and not before the timeout: that timeout, nothing else, cut them.
    expect({ name, late: times.filter((time) => time > bound + MARGIN_MS).length }).toEqual({ name, late: 0 });
    expect({ name, early: times.filter((time) => time < timeout - 100).length }).toEqual({ name, early: 0 });
  }
  // The server said why when it cut a request short: 408 to the slow ones (headers, body).
  for (const connection of [...groups['slowloris (a header byte a second)']!.connections, ...groups['slow body (a byte a second)']!.connections]) {
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  }
  for (const connection of groups['idle keep-alive after one request']!.connections) expect(connection.received()).toMatch(/^HTTP\/1\.1 200 /);

  // Every sign-in succeeded (signIn throws otherwise), over connections that were never reset.
  expect(client.outcomes.filter((outcome) => outcome.error !== undefined)).toEqual([]);
  expect(during.length).toBeGreaterThanOrEqual(LOGINS_DURING);
  expect(median(during)).toBeLessThanOrEqual(2 * median(before) + 50);
  client.close();
}, 60_000);
