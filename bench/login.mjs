// Benchmark: full logins (challenge → sign → login → me, through the SDK) per second against a
// real server process on 127.0.0.1 with the embedded SQLite store, at concurrency 1, 8 and 32.
// Bounded in count and time. The client signs each challenge after it is issued, so its signing
// and its check of the message are inside the figures, on the same two cores as the server.
//   npm run bench:login
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { register, signIn } from '@wallet-login/client';

const LEVELS = [1, 8, 32];
const LOGINS_PER_LEVEL = 1_500;
const TIME_LIMIT_MS = 60_000;
const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-bench-'));

// A free port, so the server's public origin is the URL the clients use (EIP-4361 domain check).
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const baseUrl = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], {
  env: { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', PUBLIC_ORIGIN: baseUrl },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exited = new Promise((resolve) => server.once('exit', resolve));
for (let tries = 0; ; tries++) {
  const up = await fetch(`${baseUrl}/healthz`).then((res) => res.ok, () => false);
  if (up) break;
  if (tries === 100) throw new Error('the server did not start');
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** One full login with the SDK: challenge → sign → login → me. */
async function login(privateKey) {
  const session = await signIn({ baseUrl, privateKey });
  await session.me();
}

const keys = Array.from({ length: 32 }, () => `0x${randomBytes(32).toString('hex')}`);
for (const privateKey of keys) await register({ baseUrl, privateKey });
for (let i = 0; i < 200; i++) await login(keys[i % 32]); // warm-up

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
        await login(keys[worker]);
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
await exited;
rmSync(dataDir, { recursive: true, force: true });
