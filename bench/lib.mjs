// What the login and memory benchmarks share: starting and stopping the servers (wallet-login
// from apps/api/dist, the reference stand-in), a keep-alive HTTP client for 127.0.0.1 with a
// cookie per simulated browser, signing off the clock with libsecp256k1, a dedicated Redis
// database and PostgreSQL database for the external-store configuration, and process RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashMessage } from '@wallet-login/challenge';

export const root = new URL('..', import.meta.url).pathname;
const requireFromChallenge = createRequire(join(root, 'packages/challenge/package.json'));
const requireFromApi = createRequire(join(root, 'apps/api/package.json'));
const secp256k1 = requireFromChallenge('secp256k1/bindings');
const keccak = requireFromChallenge('keccak/bindings');

export const HOST = '127.0.0.1';

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Keys and signatures (libsecp256k1: the load generator should not be the bottleneck).

/** A private key and its address. */
export function createKey(seed) {
  const privateKey = Buffer.from(keccak('keccak256').update(`bench key ${seed}`).digest());
  const publicKey = secp256k1.publicKeyCreate(privateKey, false);
  const lower = keccak('keccak256').update(Buffer.from(publicKey.subarray(1))).digest('hex').slice(24);
  const hash = keccak('keccak256').update(lower).digest('hex');
  let address = '0x';
  for (let i = 0; i < 40; i++) address += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return { privateKey, address };
}

/** EIP-191 personal_sign of `message` as 0x + r ‖ s ‖ v (v = 27/28). */
export function sign(message, { privateKey }) {
  const { signature, recid } = secp256k1.ecdsaSign(hashMessage(message), privateKey);
  return `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}`;
}

// ---------------------------------------------------------------------------------------------
// HTTP: one keep-alive agent per load level, one cookie jar per simulated browser.

export function createAgent(sockets) {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** A browser's cookies: name → value, from Set-Cookie headers. */
export class CookieJar {
  cookies = new Map();
  store(setCookie) {
    for (const line of setCookie ?? []) {
      const pair = line.slice(0, line.indexOf(';') === -1 ? undefined : line.indexOf(';'));
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * One request; resolves { status, body } (body parsed as JSON when it is JSON). Cookies are sent
 * from and stored into `jar`.
 */
export function request({ agent, port, method, path, json, jar }) {
  return new Promise((resolve, reject) => {
    const payload = json === undefined ? undefined : JSON.stringify(json);
    const headers = {};
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const cookie = jar?.header();
    if (cookie) headers.Cookie = cookie;
    const req = http.request({ host: HOST, port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        jar?.store(res.headers['set-cookie']);
        const text = Buffer.concat(chunks).toString('utf8');
        let body = text;
        if ((res.headers['content-type'] ?? '').includes('json')) body = JSON.parse(text);
        resolve({ status: res.statusCode, body });
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function expectStatus(response, status, what) {
  if (response.status !== status) {
    throw new Error(`${what}: HTTP ${response.status} ${typeof response.body === 'string' ? response.body.slice(0, 200) : JSON.stringify(response.body)}`);
  }
  return response.body;
}

/**
 * Runs `task(i)` for i = 0 … count − 1 with `concurrency` loops in flight, stopping early at
 * `deadline` (performance.now() ms). Resolves the number of tasks that completed.
 */
export async function runConcurrently({ count, concurrency, deadline, task }) {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++;
        await task(i);
        done++;
      }
    }),
  );
  return done;
}

// ---------------------------------------------------------------------------------------------
// Servers.

/**
 * Starts `node <script>` with `env` (plus PATH and PORT), waits for GET /healthz, and returns
 * { port, baseUrl, pid, stop() }.
 */
export async function startServer({ script, env = {}, nodeArgs = [], label, port }) {
  port ??= await freePort();
  const child = spawn(process.execPath, [...nodeArgs, join(root, script)], {
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  exited.then(() => {
    gone = true;
  });
  const agent = createAgent(1);
  for (let tries = 0; ; tries++) {
    if (gone) throw new Error(`${label} exited at start-up: ${stderr.trim() || 'no message'}`);
    const up = await request({ agent, port, method: 'GET', path: '/healthz' }).then((res) => res.status === 200, () => false);
    if (up) break;
    if (tries === 150) {
      child.kill('SIGKILL');
      throw new Error(`${label} did not answer /healthz within 15 s: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  agent.destroy();
  return {
    port,
    baseUrl: `http://${HOST}:${port}`,
    pid: child.pid,
    stderr: () => stderr,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** wallet-login from apps/api/dist with a temporary DATA_DIR, limits raised for load. */
export async function startWalletLogin({ workers = 1, redisUrl, databaseUrl, nodeArgs, extraEnv = {} }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-bench-'));
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    WORKERS: String(workers),
    RATE_LIMIT_IP_PER_MINUTE: '1000000000',
    RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: '1000000000',
    MAX_CHALLENGES: '100000000',
    // Several servers run at once: each metrics listener on a port of its own.
    METRICS_PORT: '0',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extraEnv,
  };
  // PUBLIC_ORIGIN names the port, so it is picked before the process starts.
  const server = await startServer({ script: 'apps/api/dist/main.js', env: { ...env, PUBLIC_ORIGIN: `http://${HOST}:${port}` }, nodeArgs, label: 'wallet-login', port });
  await waitForProcesses(server.pid, workers);
  return {
    ...server,
    dataDir,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The reference stand-in (bench/reference/server.mjs). */
export function startReference() {
  return startServer({ script: 'bench/reference/server.mjs', label: 'the reference stand-in' });
}

/** The floor of this product's stack (bench/reference/floor.mjs). */
export function startFloor() {
  return startServer({ script: 'bench/reference/floor.mjs', label: 'the Koa floor' });
}

/** The no-work ceiling (bench/reference/bare-http.mjs). */
export function startBareHttp() {
  return startServer({ script: 'bench/reference/bare-http.mjs', label: 'the bare node:http ceiling' });
}

/** Waits until `pid` has `workers` child processes when clustered (workers > 1). */
async function waitForProcesses(pid, workers) {
  if (workers <= 1) return;
  for (let tries = 0; tries < 100; tries++) {
    if (childPids(pid).length >= workers) return;
    await sleep(100);
  }
}

/** Direct children of `pid`, from /proc. */
export function childPids(pid) {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: the unit of utime and stime in /proc/<pid>/stat on Linux

/** CPU time (user + system) used so far by `pid` and its live children, ms. */
export function treeCpuMs(pid) {
  let ticks = 0;
  for (const each of [pid, ...childPids(pid)]) {
    try {
      const stat = readFileSync(`/proc/${each}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of `pid` and its children, bytes. */
export function treeRss(pid) {
  let total = 0;
  for (const each of [pid, ...childPids(pid)]) {
    try {
      const status = readFileSync(`/proc/${each}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Redis and PostgreSQL for the external-store configuration.

const REDIS_BASE = 'redis://127.0.0.1:6379';
const POSTGRES_BASE = 'postgres://postgres@127.0.0.1:5432';
// Database numbers tried for the bench, in order; one that holds any key is skipped, and the one
// used is emptied afterwards.
const REDIS_DATABASES = [11, 12, 13, 10, 9, 8];

/**
 * A Redis database that is empty and a fresh PostgreSQL database, or { unavailable: reason }.
 * `cleanup()` deletes the keys and drops the database.
 */
export async function prepareExternalStores() {
  let Redis;
  let pg;
  try {
    ({ Redis } = requireFromApi('ioredis'));
    pg = requireFromApi('pg');
  } catch (error) {
    return { unavailable: `client packages missing (${error.message.split('\n')[0]})` };
  }
  const redis = new Redis(REDIS_BASE, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    return { unavailable: `Redis at ${REDIS_BASE}: ${error.message}` };
  }
  let db;
  for (const candidate of REDIS_DATABASES) {
    await redis.select(candidate);
    if ((await redis.dbsize()) === 0) {
      db = candidate;
      break;
    }
  }
  if (db === undefined) {
    redis.disconnect();
    return { unavailable: `no empty Redis database among ${REDIS_DATABASES.join(', ')}` };
  }
  const database = `wallet_login_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${POSTGRES_BASE}/postgres`, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  } catch (error) {
    redis.disconnect();
    await admin.end().catch(() => {});
    return { unavailable: `PostgreSQL at ${POSTGRES_BASE}: ${error.message}` };
  }
  return {
    redisUrl: `${REDIS_BASE}/${db}`,
    databaseUrl: `${POSTGRES_BASE}/${database}`,
    redis,
    /** Redis INFO memory used_memory, bytes. */
    async redisUsedMemory() {
      const info = await redis.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1]);
    },
    /** Deletes every key of the bench's Redis database (it was empty when chosen). */
    async emptyRedis() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    },
    async cleanup() {
      await this.emptyRedis().catch(() => {});
      redis.disconnect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
      await admin.end().catch(() => {});
    },
  };
}

/**
 * True when the running server reports both Redis and PostgreSQL on /readyz; otherwise the
 * reason it does not.
 */
export async function usesExternalStores(server) {
  const agent = createAgent(1);
  try {
    const res = await request({ agent, port: server.port, method: 'GET', path: '/readyz' });
    const text = JSON.stringify(res.body).toLowerCase();
    if (res.status === 200 && text.includes('redis') && text.includes('postgres')) return { ok: true };
    return { ok: false, reason: `the server does not report Redis and PostgreSQL on /readyz (HTTP ${res.status}), so it is not running on them` };
  } catch (error) {
    return { ok: false, reason: `/readyz failed: ${error.message}` };
  } finally {
    agent.destroy();
  }
}
