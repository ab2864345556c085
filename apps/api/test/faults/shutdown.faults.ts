// Fault test (npm run test:faults): a clean stop under load. The built API runs as a real process
// (one process, then a WORKERS=2 cluster); several clients keep steady load on it over keep-alive
// connections (node's http Agent, as the SDK's callers and proxies hold them) — full sign-ins
// through the SDK, GET /api/auth/me and GET /healthz — and a live-session WebSocket is open.
// SIGTERM comes mid-load, several times over. Every request that was written must get an HTTP
// answer: a connection the server resets (ECONNRESET, "socket hang up", EPIPE) leaves a client not
// knowing whether its sign-in happened. A new connection refused after the stop (ECONNREFUSED) is
// what a stopped server does, and fine. The process must exit 0 within SHUTDOWN_GRACE_MS.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCookieHeader, register, signIn } from '@wallet-login/client';
import { connectLiveSession, freePort, liveSessionUrl, TEST_KEYS, TEST_SESSION_KEYS } from '@wallet-login/testkit';
import { createRecordingClient, type RecordingClient, type RequestOutcome } from '../support/httpClients';
import { startApiProcess, type ApiProcess } from '../support/processes';

const STOPS = 4;
const CLIENTS = 6;
/** Requests each client keeps in flight at once, over its one pool. */
const CONCURRENCY = 2;
/** Load before the stop, so every pool holds warm, reused sockets. */
const WARM_MS = 1200;
const SHUTDOWN_GRACE_MS = 3000;
/** Exit after SIGTERM within the grace plus this (closing the stores, the process exiting). */
const EXIT_SLACK_MS = 1500;
const KEYS = Object.values(TEST_KEYS);

interface StopResult {
  outcomes: RequestOutcome[];
  sigtermAt: number;
  exitCode: number | null;
  exitMs: number;
  liveSessionClose: number;
  signalWorkers: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One start, load, SIGTERM, exit. `signalWorkers`: the workers get SIGTERM too, besides the one
 * their primary relays, as when systemd (KillMode=control-group) or a terminal's Ctrl-C signals the
 * whole process group.
 */
async function stopUnderLoad(workers: number, signalWorkers: boolean): Promise<StopResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-shutdown-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let api: ApiProcess | undefined;
  const clients: RecordingClient[] = [];
  try {
    api = await startApiProcess({
      env: {
        DATA_DIR: dataDir, PORT: String(port), PUBLIC_ORIGIN: baseUrl, WORKERS: String(workers), SESSION_KEYS: TEST_SESSION_KEYS.join(','),
        SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS), RATE_LIMIT_IP_PER_MINUTE: '1000000000', RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: '1000000000',
      },
    });
    const sessions = await Promise.all(KEYS.map((privateKey) => register({ baseUrl, privateKey }).then((result) => result.session)));
    const live = await connectLiveSession({ url: liveSessionUrl(baseUrl), cookie: formatCookieHeader(sessions[0]!.cookies)! });

    let sigtermAt = Infinity;
    const deadline = (): number => sigtermAt + SHUTDOWN_GRACE_MS + EXIT_SLACK_MS + 1000;
    const loops: Array<Promise<void>> = [];
    for (let c = 0; c < CLIENTS; c += 1) {
      const client = createRecordingClient();
      clients.push(client);
      const privateKey = KEYS[c % KEYS.length]!;
      const cookie = formatCookieHeader(sessions[c % KEYS.length]!.cookies)!;
      for (let lane = 0; lane < CONCURRENCY; lane += 1) {
        loops.push(
          (async () => {
            // Until this client's pool is used up and a new connection is refused (the server is
            // gone), or a bound in time.
            for (let round = lane; performance.now() < deadline(); round += 1) {
              try {
                if (round % 4 === 0) await signIn({ baseUrl, privateKey, fetch: client.fetch, timeoutMs: 10_000 });
                else await client.fetch(`${baseUrl}${round % 4 === 1 ? '/healthz' : '/api/auth/me'}`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
              } catch {
                // Recorded by the client; a refusal means the server is gone for this client.
                if (client.outcomes.at(-1)?.error === 'ECONNREFUSED') return;
              }
            }
          })(),
        );
      }
    }

    await sleep(WARM_MS);
    const workerPids = new Set(api.logs().flatMap((entry) => (entry.msg === 'request' && entry.pid !== api!.child.pid ? [entry.pid as number] : [])));
    if (signalWorkers) expect(workerPids.size).toBe(workers);
    sigtermAt = performance.now();
    const exiting = api.stop('SIGTERM');
    if (signalWorkers) for (const pid of workerPids) process.kill(pid, 'SIGTERM');
    const exitCode = await exiting;
    const exitMs = performance.now() - sigtermAt;
    await Promise.all(loops);
    const { code: liveSessionClose } = await live.closed;
    return { outcomes: clients.flatMap((client) => client.outcomes), sigtermAt, exitCode, exitMs, liveSessionClose, signalWorkers };
  } finally {
    for (const client of clients) client.close();
    await api?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe.each([
  ['one process', 1],
  ['a WORKERS=2 cluster', 2],
])('SIGTERM under keep-alive load, %s', (name, workers) => {
  test(`every written request is answered, the live session closes with 1001, exit 0 within SHUTDOWN_GRACE_MS, ${STOPS} stops`, async () => {
    const results: StopResult[] = [];
    // In a cluster, every other stop signals the workers directly as well.
    for (let stop = 0; stop < STOPS; stop += 1) results.push(await stopUnderLoad(workers, workers > 1 && stop % 2 === 1));

    for (const [index, { outcomes, sigtermAt, exitCode, exitMs, signalWorkers }] of results.entries()) {
      const after = outcomes.filter((outcome) => outcome.end >= sigtermAt);
      const count = (predicate: (outcome: RequestOutcome) => boolean) => outcomes.filter(predicate).length;
      process.stdout.write(
        `${name}, stop ${index + 1}${signalWorkers ? ' (workers signalled too)' : ''}: ${outcomes.length} requests (${after.length} ended after SIGTERM), ` +
          `${count((o) => o.status !== undefined && o.connectionClose)} answered with Connection: close, ` +
          `${count((o) => o.error === 'ECONNREFUSED')} refused, ${count((o) => o.error !== undefined && o.error !== 'ECONNREFUSED')} reset ` +
          `(${count((o) => o.error !== undefined && o.error !== 'ECONNREFUSED' && o.path.endsWith('/login'))} logins); exit ${exitCode} after ${Math.round(exitMs)} ms\n`,
      );
    }

    const failures = results.flatMap(({ outcomes, sigtermAt }, stop) =>
      outcomes
        .filter((outcome) => outcome.error !== undefined && outcome.error !== 'ECONNREFUSED')
        .map((outcome) => ({ stop: stop + 1, ...outcome, start: Math.round(outcome.start - sigtermAt), end: Math.round(outcome.end - sigtermAt) })),
    );
    expect(failures).toEqual([]);
    // Every answer is a success: nothing half-done answers 5xx during the drain.
    const statuses = new Set(results.flatMap(({ outcomes }) => outcomes.flatMap((outcome) => (outcome.status === undefined ? [] : [outcome.status]))));
    expect([...statuses].sort()).toEqual([200]);
    for (const { outcomes, exitCode, exitMs, liveSessionClose } of results) {
      // The load really ran on reused sockets, and was still running when SIGTERM came.
      expect(outcomes.filter((outcome) => outcome.reused && outcome.status === 200).length).toBeGreaterThanOrEqual(CLIENTS * CONCURRENCY);
      expect(outcomes.some((outcome) => outcome.error === 'ECONNREFUSED')).toBe(true);
      // Connections open at the stop carried answers after it, each ending its connection.
      expect(outcomes.some((outcome) => outcome.status === 200 && outcome.connectionClose)).toBe(true);
      expect(exitCode).toBe(0);
      expect(exitMs).toBeLessThan(SHUTDOWN_GRACE_MS + EXIT_SLACK_MS);
      // RFC 6455 §7.4.1: 1001, the server is going away.
      expect(liveSessionClose).toBe(1001);
    }
  });
});
