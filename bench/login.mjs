// Benchmark: full logins (challenge → login → me) per second on 127.0.0.1 at 1, 8 and 32
// concurrent clients, against real server processes: wallet-login on the embedded SQLite store
// and on Redis + PostgreSQL, in one process and as cluster workers, and the reference stand-in
// written the usual way (bench/reference: express + express-session + siwe + ethers), all in
// the same run so the ratios compare like with like.
//
// Signing is off the clock (bench/flows.mjs says how logins/s and latency are counted). Every
// level is bounded in count and in time, and every request goes to 127.0.0.1.
// A last row runs bare node:http answering the same three requests with no work: the ceiling of
// this machine and this load generator.
//   npm run bench:login                       all configurations
//   node bench/login.mjs --only=sqlite-1,reference   (ids: sqlite-1 sqlite-2 redis-pg-1 redis-pg-2 reference ceiling)
//   node bench/login.mjs --profile            also writes V8 CPU profiles of the wallet-login servers
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareFlow, measureLogins, referenceFlow, walletFlow } from './flows.mjs';
import { childPids, prepareExternalStores, startBareHttp, startReference, startWalletLogin, usesExternalStores } from './lib.mjs';

const LEVELS = [1, 8, 32];
const LOGINS = { 1: 400, 8: 2_000, 32: 4_000 };
const WARM_UP = 600;

const args = new Map(process.argv.slice(2).map((arg) => [arg.replace(/^--/, '').split('=')[0], arg.split('=')[1] ?? 'yes']));
const only = args.has('only') ? new Set(args.get('only').split(',')) : undefined;
const profileDir = args.has('profile') ? mkdtempSync(join(tmpdir(), 'wallet-login-profile-')) : undefined;

const external = await prepareExternalStores();
const configurations = [
  { id: 'sqlite-1', name: 'wallet-login, SQLite, 1 process', flow: walletFlow, start: () => startWalletLogin({ workers: 1, nodeArgs: cpuProfile('sqlite-1') }) },
  { id: 'sqlite-2', name: 'wallet-login, SQLite, WORKERS=2', flow: walletFlow, workers: 2, start: () => startWalletLogin({ workers: 2, nodeArgs: cpuProfile('sqlite-2') }) },
  ...[1, 2].map((workers) => ({
    id: `redis-pg-${workers}`, name: `wallet-login, Redis + PostgreSQL, ${workers === 1 ? '1 process' : `WORKERS=${workers}`}`, flow: walletFlow, workers, external: true,
    start: () => startWalletLogin({ workers, redisUrl: external.redisUrl, databaseUrl: external.databaseUrl, nodeArgs: cpuProfile(`redis-pg-${workers}`) }),
  })),
  { id: 'reference', name: 'reference stand-in (express + express-session + siwe + ethers)', flow: referenceFlow, start: startReference },
  { id: 'ceiling', name: 'ceiling: bare node:http, same 3 requests, no work', flow: bareFlow, start: startBareHttp },
].filter((configuration) => !only || only.has(configuration.id));

function cpuProfile(id) {
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, id)}`] : [];
}

const rows = [];
for (const configuration of configurations) {
  const { name, flow } = configuration;
  if (configuration.external && external.unavailable) {
    rows.push({ name, unavailable: external.unavailable });
    continue;
  }
  process.stderr.write(`${name} …\n`);
  let server;
  try {
    server = await configuration.start();
    if (configuration.external) {
      const check = await usesExternalStores(server);
      if (!check.ok) {
        rows.push({ name, unavailable: check.reason });
        continue;
      }
      await external.emptyRedis();
    }
    let note = '';
    if (configuration.workers > 1) {
      const seen = childPids(server.pid).length;
      if (seen < configuration.workers) note = ` (${seen} worker processes seen: the cluster is not in main.ts yet)`;
    }
    await flow.setUp(server);
    await measureLogins({ flow, server, concurrency: 8, count: WARM_UP });
    for (const concurrency of LEVELS) {
      const result = await measureLogins({ flow, server, concurrency, count: LOGINS[concurrency] });
      rows.push({ name: `${name}${note}`, id: configuration.id, ...result });
      process.stderr.write(`  c=${concurrency}: ${result.perSecond.toFixed(0)} logins/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, server CPU ${result.cpuMsPerLogin.toFixed(2)} ms/login (${result.logins} logins)\n`);
    }
  } catch (error) {
    rows.push({ name, unavailable: error.message.split('\n')[0] });
  } finally {
    await server?.stop();
  }
}
if (!external.unavailable) await external.cleanup();

const reference = new Map(rows.filter((row) => row.id === 'reference').map((row) => [row.concurrency, row.perSecond]));
console.log(`\nfull logins (challenge → login → me) on 127.0.0.1, signing off the clock (node ${process.version})`);
console.log('| configuration | clients | logins/s | p50 ms | p99 ms | × reference | server CPU ms/login |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  if (row.unavailable) {
    console.log(`| ${row.name} | – | unavailable: ${row.unavailable} | | | | |`);
    continue;
  }
  const ratio = reference.has(row.concurrency) ? `${(row.perSecond / reference.get(row.concurrency)).toFixed(1)}×` : '–';
  console.log(`| ${row.name} | ${row.concurrency} | ${row.perSecond.toFixed(0)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${ratio} | ${row.cpuMsPerLogin.toFixed(2)} |`);
}
if (profileDir) console.log(`\nCPU profiles of the wallet-login servers: ${profileDir}`);
