#!/usr/bin/env node
// npm run dev: the sign-in page and the API together, on one origin, both reloading on change.
//
// - Vite serves the page with hot reload on http://localhost:WEB_PORT (default 5173) and proxies
//   /api to the API, so the session cookie stays first-party as in production.
// - The API runs from its build (apps/api/dist) under `node --watch`, which restarts it whenever
//   `tsc -b tsconfig.build.json --watch` rewrites a file it loads.
// - The API's PUBLIC_ORIGIN is the Vite origin (so EIP-4361 messages name the page people see) and
//   developer mode is on (DEV_KEY_SIGNIN=1) unless set otherwise. Every other setting is the API's
//   usual environment (PORT, DATA_DIR, REGISTRATION, ...).
//
// An entry point, like the API's main.ts: it reads the environment and starts processes.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(webRoot, '..', '..');
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

const apiPort = Number(process.env.PORT || 8080);
const webPort = Number(process.env.WEB_PORT || 5173);
const webOrigin = `http://localhost:${webPort}`;

// The API and the libraries it loads, built once before anything starts.
// With type errors tsc still writes the JavaScript, so the API can start while they are fixed.
const apiMain = join(repoRoot, 'apps', 'api', 'dist', 'main.js');
const first = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
if (first.status !== 0 && !existsSync(apiMain)) {
  process.stderr.write('dev: the TypeScript build failed; fix the errors above and run npm run dev again\n');
  process.exit(1);
}
if (first.status !== 0) process.stderr.write('dev: type errors above; starting anyway, the watcher reports them as they change\n');

const { createServer } = await import('vite');
const vite = await createServer({
  root: webRoot,
  configFile: join(webRoot, 'vite.config.mts'),
  server: {
    port: webPort,
    strictPort: true,
    proxy: { '/api': { target: `http://127.0.0.1:${apiPort}`, ws: true } },
  },
});
await vite.listen();

const children = [
  spawn(process.execPath, [tsc, '-b', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], { cwd: repoRoot, stdio: 'inherit' }),
  spawn(process.execPath, ['--watch', apiMain], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: {
      ...process.env,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      PUBLIC_ORIGIN: process.env.PUBLIC_ORIGIN || webOrigin,
      DEV_KEY_SIGNIN: process.env.DEV_KEY_SIGNIN || '1',
      CHALLENGE_FORMATS: process.env.CHALLENGE_FORMATS || 'siwe,json', // the JSON form for dev tooling (README: Security)
    },
  }),
];

process.stdout.write(`\n  Sign-in page: ${webOrigin}  (hot reload; /api → http://127.0.0.1:${apiPort}, restarted on change)\n\n`);

let stopping = false;
const stop = async (code = 0) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  await vite.close();
  process.exit(code);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
for (const child of children) {
  child.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`dev: a process stopped (${signal ?? `exit ${code}`}); stopping\n`);
    void stop(1);
  });
}
