// Fault test (npm run test:faults): the built API as a real process on Redis and PostgreSQL,
// under a steady sign-in load, while the services fail and come back:
//
//   Redis crashes (data lost) and restarts     → only 503 while down; afterwards sessions from
//                                                 before the crash are refused (401), never 200
//   Redis shuts down (saving) and restarts      → only 503 while down; afterwards the sessions
//                                                 work again, without signing in again
//   PostgreSQL is cut off, then stops answering → sign-ins 503 while away, signed-in sessions
//                                                 keep answering 200
//   the API process restarts                    → every live session is still valid
//
// and, throughout: no 500, no request that hangs, no 200 for a session that is not stored,
// recovery without restarting the API, no secret in the API's output.
//
// Redis is a private redis-server the test crashes and restarts for real. PostgreSQL is the
// shared server behind a TCP proxy the test cuts and hangs: a private cluster would need root and
// seconds to create, and stopping it cannot show a server that accepts connections but never
// answers, which the proxy can.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { sessionStoreKey } from '../../src/middleware/session';
import { CookieJar } from '../support/cookies';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy';
import { startPrivateRedis, type PrivateRedis } from '../support/privateRedis';
import { connectTestPostgres, createTestSchema, databaseUrlFor, dropTestSchema } from '../support/services';
import { freePort, privateKeyToAddress, signMessage } from '@wallet-login/testkit';

const MAIN = path.resolve(__dirname, '../../dist/main.js');
const STORE_TIMEOUT_MS = 1000;
/** A 503 must come within the store timeout plus this. */
const ANSWER_SLACK_MS = 1000;
/** After a service returns, the API must serve again within this. */
const RECOVERY_LIMIT_MS = 5000;
const USERS = 6;
const PACE_MS = 25;
const SESSION_KEY = `fault-session-key-${randomBytes(16).toString('hex')}`;
const REDIS_PASSWORD = `fault-redis-${randomBytes(8).toString('hex')}`;
const POSTGRES_PASSWORD = `fault-postgres-${randomBytes(8).toString('hex')}`;

type Kind = 'challenge' | 'login' | 'register' | 'me';

/** One request of the load. */
interface Sample {
  user: number;
  kind: Kind;
  start: number;
  end: number;
  /** HTTP status; 0 when the request itself failed (connection refused, reset, timeout). */
  status: number;
  /** For /me: when the session it used was signed in. */
  bornAt?: number;
}

interface User {
  index: number;
  key: string;
  address: string;
  registered: boolean;
  /** Cookies of the signed-in session, if any. */
  jar?: CookieJar;
  bornAt?: number;
}

/** The API as a child process, on a fixed port. */
class ApiProcess {
  output = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(env: Record<string, string>, url: string): Promise<ApiProcess> {
    const api = new ApiProcess(spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const deadline = performance.now() + 20_000;
    for (;;) {
      if (api.child.exitCode !== null) throw new Error(`the API exited with ${api.child.exitCode}:\n${api.output}`);
      const ready = await fetch(`${url}/readyz`).then((res) => res.status, () => 0);
      if (ready === 200) return api;
      if (performance.now() > deadline) throw new Error(`the API did not become ready:\n${api.output}`);
      await sleep(100);
    }
  }

  /** SIGTERM, as an orchestrator stops it; SIGKILL if it does not exit within 10 s. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

describe('store faults under a steady sign-in load', () => {
  let redis: PrivateRedis;
  let redisAdmin: Redis;
  let postgres: Pool;
  let postgresLink: FaultProxy;
  let schema: string;
  let dataDir: string;
  let api: ApiProcess | undefined;
  const outputs: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run the fault tests with \`npm run test:faults\`, which builds first`);
    postgres = await connectTestPostgres();
    schema = await createTestSchema(postgres, 'wl_fault');
    postgresLink = await startFaultProxy({ target: { host: '127.0.0.1', port: 5432 } });
    redis = await startPrivateRedis({ password: REDIS_PASSWORD });
    redisAdmin = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    redisAdmin.on('error', () => undefined);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-faults-'));
  });

  afterAll(async () => {
    if (api) outputs.push((await api.stop(), api.output));
    redisAdmin?.disconnect();
    await redis?.close();
    await postgresLink?.close();
    if (postgres) {
      await dropTestSchema(postgres, schema);
      await postgres.end();
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('Redis crash and restart, Redis shutdown and restart, PostgreSQL cut off and hung, API restart', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_ORIGIN: url,
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'wl:',
      DATABASE_URL: databaseUrlFor(schema, `postgres://postgres:${POSTGRES_PASSWORD}@127.0.0.1:${postgresLink.port}/test`),
      STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      SESSION_KEYS: SESSION_KEY,
      REGISTRATION: 'open',
      RATE_LIMIT_IP_PER_MINUTE: '100000000',
      RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: '100000000',
      LOG_LEVEL: 'info',
      INSTANCE_ID: 'faults-1',
      WORKERS: '1',
    };
    api = await ApiProcess.start(env, url);
    const t0 = performance.now();
    const now = () => performance.now() - t0;

    // The load: each user signs in (registering the first time), then asks /me, and signs in
    // again every fifth round; a 401 on /me drops the session.
    const samples: Sample[] = [];
    const users: User[] = Array.from({ length: USERS }, (_, index) => {
      const key = `0x${randomBytes(32).toString('hex')}`;
      return { index, key, address: privateKeyToAddress(key), registered: false };
    });
    const send = async (user: User, kind: Kind, jar: CookieJar, body?: object): Promise<{ status: number; json?: any }> => {
      const start = now();
      let status = 0;
      let json: any;
      try {
        const res = await fetch(`${url}/api/auth/${kind}`, {
          method: kind === 'me' ? 'GET' : 'POST',
          headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        jar.take(res);
        json = await res.json().catch(() => undefined);
      } catch {
        status = 0;
      }
      samples.push({ user: user.index, kind, start, end: now(), status, ...(kind === 'me' ? { bornAt: user.bornAt } : {}) });
      return { status, json };
    };
    const signIn = async (user: User) => {
      const jar = new CookieJar();
      const challenge = await send(user, 'challenge', jar, { address: user.address });
      if (challenge.status !== 200) return;
      const signature = signMessage({ message: challenge.json.message, privateKey: user.key });
      const kind = user.registered ? 'login' : 'register';
      const result = await send(user, kind, jar, { sid: challenge.json.sid, signature });
      if (result.status === 200 || result.status === 201) {
        user.registered = true;
        user.jar = jar;
        user.bornAt = samples.at(-1)!.end;
      }
    };
    let running = true;
    const loops = users.map(async (user) => {
      for (let round = 0; running; round += 1) {
        if (!user.jar || round % 5 === 0) {
          await signIn(user);
        } else {
          const me = await send(user, 'me', user.jar);
          if (me.status === 401) user.jar = undefined;
        }
        await sleep(PACE_MS);
      }
    });

    /** Every live session a user holds is in Redis. */
    const expectSessionsStored = async () => {
      await redisAdmin.connect().catch(() => undefined);
      for (const user of users) {
        const id = user.jar?.cookies.get('wl.sid');
        if (id === undefined) continue;
        expect(await redisAdmin.exists(`wl:s:${sessionStoreKey(id)}`)).toBe(1);
      }
    };

    const marks: Record<string, number> = {};
    const mark = (name: string) => (marks[name] = now());

    await sleep(3000);
    await expectSessionsStored();

    // 1. Redis crashes: its data is gone.
    await redis.crash();
    redisAdmin.disconnect();
    mark('redisCrashed');
    await sleep(3000);
    mark('redisRestarting');
    await redis.start();
    mark('redisBack');
    await sleep(4000);

    // 2. Redis shuts down, saving; it comes back with the sessions.
    await expectSessionsStored();
    mark('redisStopping');
    await redis.shutdown({ save: true });
    redisAdmin.disconnect();
    mark('redisStopped');
    await sleep(3000);
    mark('redisRestarting2');
    await redis.start();
    mark('redisBack2');
    await sleep(4000);

    // 3. PostgreSQL is cut off.
    await postgresLink.cut();
    mark('postgresCut');
    await sleep(3000);
    mark('postgresRestoring');
    await postgresLink.restore();
    mark('postgresBack');
    await sleep(3000);

    // 4. PostgreSQL stops answering.
    postgresLink.hang();
    mark('postgresHung');
    await sleep(3000);
    mark('postgresRestoring2');
    await postgresLink.restore();
    mark('postgresBack2');
    await sleep(3000);

    running = false;
    await Promise.all(loops);
    mark('loadDone');

    const between = (from: string, to: string) => samples.filter((s) => s.start >= marks[from]! && s.end <= marks[to]!);
    const after = (from: string, ms: number, to: string) => samples.filter((s) => s.start >= marks[from]! + ms && s.end <= marks[to]!);
    const statuses = (list: Sample[]) => [...new Set(list.map((s) => s.status))].sort();
    const figures: Record<string, unknown> = { requests: samples.length };

    // Nothing failed as a server fault or hung, at any time.
    expect(samples.filter((s) => s.status === 0 || s.status >= 500 && s.status !== 503)).toStrictEqual([]);
    expect(Math.max(...samples.map((s) => s.end - s.start))).toBeLessThan(STORE_TIMEOUT_MS + ANSWER_SLACK_MS);

    // While Redis was away, every request was a quick 503.
    for (const [down, up, back, next] of [['redisCrashed', 'redisRestarting', 'redisBack', 'redisStopping'], ['redisStopped', 'redisRestarting2', 'redisBack2', 'postgresCut']] as const) {
      const outage = between(down, up);
      expect(outage.length).toBeGreaterThan(20);
      expect(statuses(outage)).toStrictEqual([503]);
      const latencies = outage.map((s) => s.end - s.start);
      expect(Math.max(...latencies)).toBeLessThan(STORE_TIMEOUT_MS + ANSWER_SLACK_MS);
      // Recovery: the first success after Redis answers again, and no 503 after the limit.
      const later = samples.filter((s) => s.start >= marks[back]! && s.end <= marks[next]!);
      const firstOk = later.find((s) => s.status === 200 || s.status === 201);
      expect(firstOk).toBeDefined();
      const lastUnavailable = later.filter((s) => s.status === 503).at(-1);
      const recoveredMs = Math.max(firstOk!.end, lastUnavailable?.end ?? 0) - marks[back]!;
      expect(recoveredMs).toBeLessThan(RECOVERY_LIMIT_MS);
      figures[down] = { requests: outage.length, median503Ms: Math.round(median(latencies)), max503Ms: Math.round(Math.max(...latencies)), firstSuccessAfterMs: Math.round(firstOk!.end - marks[back]!), recoveredWithinMs: Math.round(recoveredMs) };
    }

    // After the crash, sessions from before it are gone: never 200, always 401.
    const stale = after('redisBack', 0, 'loadDone').filter((s) => s.kind === 'me' && s.bornAt !== undefined && s.bornAt < marks.redisCrashed!);
    expect(stale.length).toBeGreaterThan(0);
    expect(statuses(stale.filter((s) => s.status !== 503))).toStrictEqual([401]);
    // Every 401 was such a session.
    expect(samples.filter((s) => s.status === 401 && !(s.kind === 'me' && s.bornAt! < marks.redisCrashed!))).toStrictEqual([]);

    // After the saving shutdown, sessions from before it work again without signing in.
    const kept = after('redisBack2', 0, 'postgresCut').filter((s) => s.kind === 'me' && s.bornAt! < marks.redisStopping! && s.status !== 503);
    expect(kept.length).toBeGreaterThan(0);
    expect(statuses(kept)).toStrictEqual([200]);

    // While PostgreSQL was away, sign-ins were quick 503s and signed-in sessions kept working.
    for (const [down, up, back, next] of [['postgresCut', 'postgresRestoring', 'postgresBack', 'postgresHung'], ['postgresHung', 'postgresRestoring2', 'postgresBack2', 'loadDone']] as const) {
      const outage = between(down, up);
      const signIns = outage.filter((s) => s.kind === 'login' || s.kind === 'register');
      expect(signIns.length).toBeGreaterThan(3);
      expect(statuses(signIns)).toStrictEqual([503]);
      expect(statuses(outage.filter((s) => s.kind === 'me' || s.kind === 'challenge'))).toStrictEqual([200]);
      const latencies = signIns.map((s) => s.end - s.start);
      const later = samples.filter((s) => s.start >= marks[back]! && (s.kind === 'login' || s.kind === 'register'));
      const firstOk = later.find((s) => s.status === 200);
      expect(firstOk).toBeDefined();
      const recoveredMs = firstOk!.end - marks[back]!;
      expect(recoveredMs).toBeLessThan(RECOVERY_LIMIT_MS);
      expect(statuses(after(back, RECOVERY_LIMIT_MS, next))).not.toContain(503);
      figures[down] = { signIns: signIns.length, median503Ms: Math.round(median(latencies)), max503Ms: Math.round(Math.max(...latencies)), firstSignInAfterMs: Math.round(recoveredMs) };
    }

    // The API restarts: every live session is still valid.
    await expectSessionsStored();
    const live = users.filter((user) => user.jar !== undefined);
    expect(live.length).toBe(USERS);
    const code = await api.stop();
    outputs.push(api.output);
    expect(code).toBe(0);
    const restartStarted = performance.now();
    api = await ApiProcess.start(env, url);
    figures.apiRestartMs = Math.round(performance.now() - restartStarted);
    for (const user of live) {
      const res = await fetch(`${url}/api/auth/me`, { headers: { cookie: user.jar!.header() } });
      expect(res.status).toBe(200);
      expect((await res.json()).address).toBe(user.address);
    }

    // No secret reached the API's output.
    const output = [...outputs, api.output].join('\n');
    for (const secret of [SESSION_KEY, REDIS_PASSWORD, POSTGRES_PASSWORD]) expect(output).not.toContain(secret);
    // Each outage and recovery was reported once per service, for operators.
    const events = ['Redis connection lost', 'Redis connection restored', 'PostgreSQL connection lost', 'PostgreSQL connection restored'];
    expect(events.filter((event) => !output.includes(event))).toStrictEqual([]);
    figures.apiLogLines = output.split('\n').filter(Boolean).length;

    process.stdout.write(`store faults: ${JSON.stringify(figures)}\n`);
  }, 180_000);
});
