// Benchmark: memory of live sessions. Signs 100,000 sessions in through real logins (challenge →
// login → me, 32 clients, in batches) and reports the server's resident set size before and
// after, and the bytes each session takes in its store: SQLite pages of the sessions table and
// its indexes (dbstat), and MEMORY USAGE of every key in the bench's Redis database beside the
// used_memory growth (INFO memory, which other clients of the same Redis can move). The reference stand-in keeps its sessions in process memory (express-session's
// MemoryStore); it is filled with as many pre-login sessions (GET /nonce), which is quicker than
// its logins and smaller per session than a signed-in one, so its figure is a lower bound.
// Bounded in time; a configuration that runs out of time reports the sessions it reached.
//   npm run bench:memory
//   node bench/memory.mjs --sessions=10000    a quicker, smaller run
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { measureLogins, walletFlow } from './flows.mjs';
import {
  CookieJar,
  createAgent,
  expectStatus,
  prepareExternalStores,
  request,
  root,
  runConcurrently,
  startReference,
  startWalletLogin,
  treeRss,
  usesExternalStores,
} from './lib.mjs';

const sessionsArg = process.argv.find((arg) => arg.startsWith('--sessions='));
const SESSIONS = sessionsArg ? Number(sessionsArg.split('=')[1]) : 100_000;
const BATCH = 5_000;
const TIME_LIMIT_MS = 10 * 60_000;
const Database = createRequire(join(root, 'apps/api/package.json'))('better-sqlite3');
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Signs in `SESSIONS` sessions (fewer if the time runs out); resolves how many. */
async function signInSessions(server) {
  const deadline = performance.now() + TIME_LIMIT_MS;
  let created = 0;
  while (created < SESSIONS && performance.now() < deadline) {
    const { logins } = await measureLogins({ flow: walletFlow, server, concurrency: 32, count: Math.min(BATCH, SESSIONS - created) });
    created += logins;
    process.stderr.write(`\r  ${created} sessions`);
  }
  process.stderr.write('\n');
  return created;
}

/** Bytes of the sessions table and its indexes in the SQLite file, and its row count. */
function sqliteSessionBytes(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT count(*) FROM sessions').pluck().get();
    const bytes = db
      .prepare("SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'sessions')")
      .pluck()
      .get();
    return { rows, bytes };
  } finally {
    db.close();
  }
}

const rows = [];

// wallet-login on SQLite.
{
  process.stderr.write('wallet-login, SQLite, 1 process …\n');
  const server = await startWalletLogin({ workers: 1 });
  try {
    await walletFlow.setUp(server);
    const before = treeRss(server.pid);
    const created = await signInSessions(server);
    const after = treeRss(server.pid);
    const { rows: stored, bytes } = sqliteSessionBytes(join(server.dataDir, 'wallet-login.sqlite'));
    rows.push({
      name: 'wallet-login, SQLite', sessions: created, before, after,
      store: `${(bytes / stored).toFixed(0)} B/session (sessions table + indexes, ${stored} rows, ${mib(bytes)})`,
    });
  } finally {
    await server.stop();
  }
}

// wallet-login on Redis + PostgreSQL.
{
  const name = 'wallet-login, Redis + PostgreSQL';
  const external = await prepareExternalStores();
  if (external.unavailable) {
    rows.push({ name, unavailable: external.unavailable });
  } else {
    process.stderr.write(`${name}, 1 process …\n`);
    const server = await startWalletLogin({ workers: 1, redisUrl: external.redisUrl, databaseUrl: external.databaseUrl });
    try {
      const check = await usesExternalStores(server);
      if (!check.ok) {
        rows.push({ name, unavailable: check.reason });
      } else {
        await walletFlow.setUp(server);
        const before = treeRss(server.pid);
        const redisBefore = await external.redisUsedMemory();
        const created = await signInSessions(server);
        const after = treeRss(server.pid);
        const redisAfter = await external.redisUsedMemory();
        // MEMORY USAGE of every key in the bench's database (sessions, their indexes, counters):
        // unlike used_memory, other clients of the same Redis cannot move it.
        let keyBytes = 0;
        let hashBytes = 0;
        let hashes = 0;
        let cursor = '0';
        do {
          const [next, keys] = await external.redis.scan(cursor, 'COUNT', 1000);
          const pipeline = external.redis.pipeline();
          for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
          const sizes = (await pipeline.exec()).map(([, size]) => Number(size ?? 0));
          keys.forEach((key, i) => {
            keyBytes += sizes[i];
            if (/s:(?!index$)/.test(key)) {
              hashBytes += sizes[i];
              hashes++;
            }
          });
          cursor = next;
        } while (cursor !== '0');
        rows.push({
          name, sessions: created, before, after,
          store: `${(keyBytes / created).toFixed(0)} B/session in Redis (MEMORY USAGE of every key, indexes included; a session hash alone ${(hashBytes / hashes).toFixed(0)} B; used_memory grew ${((redisAfter - redisBefore) / created).toFixed(0)} B/session)`,
        });
      }
    } finally {
      await server.stop();
      await external.cleanup();
    }
  }
}

// The reference stand-in: sessions in its own memory.
{
  process.stderr.write('reference stand-in …\n');
  const server = await startReference();
  try {
    const agent = createAgent(32);
    // Warm up, so the figure is the sessions and not the first requests' allocations.
    await runConcurrently({ count: 2_000, concurrency: 32, deadline: Infinity, task: async () => {
      expectStatus(await request({ agent, port: server.port, method: 'GET', path: '/nonce', jar: new CookieJar() }), 200, 'nonce');
    } });
    const before = treeRss(server.pid);
    const created = await runConcurrently({
      count: SESSIONS, concurrency: 32, deadline: performance.now() + TIME_LIMIT_MS,
      task: async () => {
        expectStatus(await request({ agent, port: server.port, method: 'GET', path: '/nonce', jar: new CookieJar() }), 200, 'nonce');
      },
    });
    agent.destroy();
    const after = treeRss(server.pid);
    rows.push({
      name: 'reference stand-in (express-session MemoryStore), pre-login sessions', sessions: created, before, after,
      store: `${((after - before) / created).toFixed(0)} B/session of process memory (RSS growth)`,
    });
  } finally {
    await server.stop();
  }
}

console.log(`\nmemory of live sessions (node ${process.version})`);
console.log('| configuration | live sessions | server RSS before → after | per session in its store |');
console.log('|---|---:|---:|---|');
for (const row of rows) {
  if (row.unavailable) console.log(`| ${row.name} | – | unavailable: ${row.unavailable} | |`);
  else console.log(`| ${row.name} | ${row.sessions} | ${mib(row.before)} → ${mib(row.after)} | ${row.store} |`);
}
