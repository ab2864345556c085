// Benchmark: full logins (challenge → sign → login → me) per second against a real server
// process on 127.0.0.1 with the embedded SQLite store, at concurrency 1, 8 and 32. Bounded in
// count and time. The client signs each challenge after it is issued (that time is inside the
// figures: about 1 ms of the client's CPU per login on this machine).
//   npm run bench:login
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { privateKeyToAddress, signMessage } from '@wallet-login/challenge';

const LEVELS = [1, 8, 32];
const LOGINS_PER_LEVEL = 1_500;
const TIME_LIMIT_MS = 60_000;
const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-bench-'));

const server = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], {
  env: { PATH: process.env.PATH, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', PUBLIC_ORIGIN: 'http://127.0.0.1:1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let buffer = '';
  server.stdout.on('data', (chunk) => {
    buffer += chunk;
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buffer);
    if (match) resolve(match[1]);
  });
  server.once('exit', () => reject(new Error('server exited')));
});
server.stdout.resume();
// The EIP-4361 domain is the public origin's; the bench signs whatever the server issues.

async function call(path, { cookie, body } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined && path.endsWith('/me') ? 'GET' : 'POST',
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(cookie && { cookie }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const setCookie = res.headers.getSetCookie().map((line) => line.split(';')[0]).filter((pair) => !pair.endsWith('='));
  const json = res.status === 204 ? null : await res.json();
  return { status: res.status, json, cookie: setCookie.length ? setCookie.join('; ') : cookie };
}

async function login(key, address, mode = 'login') {
  const challenge = await call('/api/auth/challenge', { body: { address } });
  const signature = signMessage({ message: challenge.json.message, privateKey: key });
  const done = await call(`/api/auth/${mode}`, { cookie: challenge.cookie, body: { sid: challenge.json.sid, signature } });
  if (done.status >= 300) throw new Error(`login failed: ${JSON.stringify(done.json)}`);
  const me = await call('/api/auth/me', { cookie: done.cookie });
  if (me.status !== 200) throw new Error('me failed');
}

const keys = Array.from({ length: 32 }, () => `0x${randomBytes(32).toString('hex')}`);
const accounts = keys.map((key) => ({ key, address: privateKeyToAddress(key) }));
for (const { key, address } of accounts) await login(key, address, 'register');
for (let i = 0; i < 200; i++) await login(accounts[i % 32].key, accounts[i % 32].address); // warm-up

console.log(`full logins (challenge → login → me), SQLite, ${LOGINS_PER_LEVEL} per level (node ${process.version})`);
for (const concurrency of LEVELS) {
  const latencies = [];
  let next = 0;
  const start = performance.now();
  const deadline = start + TIME_LIMIT_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < LOGINS_PER_LEVEL && performance.now() < deadline) {
        next++;
        const t = performance.now();
        await login(accounts[worker].key, accounts[worker].address);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  console.log(`  c=${String(concurrency).padEnd(3)} ${(latencies.length / seconds).toFixed(0).padStart(5)} logins/s   p50 ${pct(0.5)} ms   p99 ${pct(0.99)} ms`);
}

server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(dataDir, { recursive: true, force: true });
