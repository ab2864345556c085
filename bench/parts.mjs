// Benchmark: where a login's server time goes, one part at a time.
//  1. Each endpoint of a login, against a real server process on SQLite (apps/api/dist/main.js,
//     one process, as bench:login starts it): many requests of one kind, 8 at a time, and the
//     server's CPU time for them from /proc, per request. GET /healthz is the middleware stack
//     and Koa alone.
//  2. Each store call a login makes, in this process on a temporary SQLite file: CPU time and
//     wall time per call (the wall time is the event loop blocked: SQLite runs synchronously).
//  3. The challenge check with native recovery: parsing the message, or the fields the server
//     rendered it from (what the login does).
// Medians of 5 runs.
//   npm run bench:parts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CookieJar, createAgent, createKey, expectStatus, request, runConcurrently, sign, startWalletLogin, treeCpuMs } from './lib.mjs';

const RUNS = 5;
const REQUESTS = 2_000;
const CALLS = 5_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const key = createKey('parts');

// ---- 1. Endpoints -------------------------------------------------------------------------

process.stderr.write('starting wallet-login (SQLite, one process) …\n');
const server = await startWalletLogin({ workers: 1 });
const agent = createAgent(8);
{
  const jar = new CookieJar();
  const { sid, message } = expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/challenge', json: { address: key.address }, jar }), 200, 'challenge');
  expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/register', json: { sid, signature: sign(message, key) }, jar }), 201, 'register');
}

/** Server CPU µs per request of `count` requests made by `task(i)`, 8 at a time. */
async function serverCpu(count, task) {
  const before = treeCpuMs(server.pid);
  await runConcurrently({ count, concurrency: 8, deadline: Infinity, task });
  return ((treeCpuMs(server.pid) - before) * 1000) / count;
}

const endpoints = { healthz: [], challenge: [], login: [], me: [] };
for (let run = 0; run < RUNS; run += 1) {
  endpoints.healthz.push(await serverCpu(REQUESTS, () => request({ agent, port: server.port, method: 'GET', path: '/healthz' })));
  // A batch of challenges (each a new browser), signed off the clock, then logged in.
  const issued = [];
  endpoints.challenge.push(
    await serverCpu(REQUESTS, async (i) => {
      const jar = new CookieJar();
      const { sid, message } = expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/challenge', json: {}, jar }), 200, 'challenge');
      issued[i] = { jar, sid, message };
    }),
  );
  for (const each of issued) each.signature = sign(each.message, key);
  endpoints.login.push(
    await serverCpu(REQUESTS, async (i) => {
      const { jar, sid, signature } = issued[i];
      expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/login', json: { sid, signature }, jar }), 200, 'login');
    }),
  );
  endpoints.me.push(
    await serverCpu(REQUESTS, async (i) => {
      expectStatus(await request({ agent, port: server.port, method: 'GET', path: '/api/auth/me', jar: issued[i].jar }), 200, 'me');
    }),
  );
}
agent.destroy();
await server.stop();

// ---- 2. Store calls -------------------------------------------------------------------------

const { openSqliteStores } = await import('../apps/api/dist/stores/sqlite/index.js');
const dir = mkdtempSync(join(tmpdir(), 'wallet-login-parts-'));
const stores = openSqliteStores({ file: join(dir, 'parts.sqlite'), clock: { now: () => Date.now() } });

/** CPU and wall µs per call of `call(i)` over `count` calls. */
async function perCall(count, call) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i += 1) await call(i);
  const wall = ((performance.now() - started) * 1000) / count;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / count, wall };
}

const storeCalls = new Map();
const note = (name, result) => {
  if (!storeCalls.has(name)) storeCalls.set(name, []);
  storeCalls.get(name).push(result);
};
const audit = (i) => ({ at: Date.now(), action: 'login', outcome: 'ok', address: key.address, ip: '127.0.0.1', userAgent: 'bench', instance: 'parts', method: 'eoa' });
const preLogin = (i) => ({ binding: `binding-${i}`, challenges: [{ sid: `sid${i}` }], _storedAt: Date.now() });
const signedIn = (i) => ({ address: key.address, method: 'eoa', createdAt: Date.now(), lastSeenAt: Date.now(), absoluteExpiresAt: Date.now() + 3_600_000, userAgent: 'bench', _storedAt: Date.now() });
const ipLimiter = stores.createRateLimiter({ keyPrefix: 'ip', points: 1e9, duration: 60 });
const { RateLimiterMemory } = await import('rate-limiter-flexible');
const memoryLimiter = new RateLimiterMemory({ keyPrefix: 'ip', points: 1e9, duration: 60 });
for (let run = 0; run < RUNS; run += 1) {
  const tag = `r${run}-`;
  note('challenge put', await perCall(CALLS, (i) => stores.challenges.put({ sid: `${tag}${i}`, timestamp: Date.now(), expiresAt: Date.now() + 300_000, format: 'siwe', message: 'm'.repeat(400), binding: `b${i}`, domain: 'login.example.com', uri: 'https://login.example.com', chainId: 1, address: key.address }, 360_000)));
  note('challenge take', await perCall(CALLS, (i) => stores.challenges.take(`${tag}${i}`, `b${i}`)));
  note('pre-login session write', await perCall(CALLS, (i) => stores.sessions.set(`${tag}pre${i}`, preLogin(i), 86_400_000)));
  note('session read', await perCall(CALLS, (i) => stores.sessions.get(`${tag}pre${i}`)));
  note('sign-in write (new session + audit entry + pre-login session deleted, one transaction)', await perCall(CALLS, (i) => stores.sessions.set(`${tag}in${i}`, signedIn(i), 86_400_000, audit(i), `${tag}pre${i}`)));
  note('session update', await perCall(CALLS, (i) => stores.sessions.update(`${tag}in${i}`, signedIn(i), 86_400_000)));
  note('user lookup', await perCall(CALLS, () => stores.users.has(key.address)));
  note('failure count read (rate limiter get)', await perCall(CALLS, () => ipLimiter.get(key.address)));
  note('rate limit per IP, in the SQLite file', await perCall(CALLS, () => ipLimiter.consume('127.0.0.1')));
  note('rate limit per IP, in memory (a lone process)', await perCall(CALLS, () => memoryLimiter.consume('127.0.0.1')));
}
await stores.close();
rmSync(dir, { recursive: true, force: true });

// ---- 3. The challenge check -----------------------------------------------------------------

const challenge = await import('../packages/challenge/dist/index.js');
const { loadRecoverAddress } = await import('../packages/challenge/dist/native.js');
const { recover } = loadRecoverAddress();
const now = Date.now();
const issuedChallenge = { sid: 'Bench0123456789abcdefABCDEF', timestamp: now };
const site = { domain: 'login.example.com', uri: 'https://login.example.com', chainId: 1 };
const message = challenge.createChallengeMessage({ format: 'siwe', challenge: issuedChallenge, ...site, address: key.address, expiresAt: now + 300_000, statement: 'Sign in with your Ethereum account.' });
const signature = challenge.parseSignature(sign(message, key));
const checks = { challenge: issuedChallenge, message, now: now + 1000, ttlMs: 300_000, ...site, signature, recover };
const rendered = { format: 'siwe', ...site, address: key.address, expiresAt: now + 300_000 };
for (let run = 0; run < RUNS; run += 1) {
  note('challenge check + native recovery, parsing the message', await perCall(CALLS, () => challenge.verifyChallenge(checks)));
  note('challenge check + native recovery, from what was rendered (the login)', await perCall(CALLS, () => challenge.verifyChallenge({ ...checks, rendered })));
}

// ---- Report ---------------------------------------------------------------------------------

const us = (value) => value.toFixed(1);
console.log(`\nserver CPU per request, wallet-login on SQLite, one process (${REQUESTS} requests × ${RUNS} runs, 8 at a time, median; node ${process.version})`);
console.log('| request | server CPU µs |');
console.log('|---|---:|');
console.log(`| GET /healthz (the middleware stack and Koa) | ${us(median(endpoints.healthz))} |`);
console.log(`| POST /api/auth/challenge | ${us(median(endpoints.challenge))} |`);
console.log(`| POST /api/auth/login | ${us(median(endpoints.login))} |`);
console.log(`| GET /api/auth/me | ${us(median(endpoints.me))} |`);
console.log(`| a login (the three) | ${us(median(endpoints.challenge) + median(endpoints.login) + median(endpoints.me))} |`);
console.log(`\nper call, in one process (${CALLS} calls × ${RUNS} runs, median)`);
console.log('| part | CPU µs | wall µs |');
console.log('|---|---:|---:|');
for (const [name, results] of storeCalls) console.log(`| ${name} | ${us(median(results.map((r) => r.cpu)))} | ${us(median(results.map((r) => r.wall)))} |`);
