// Benchmark: full logins (challenge → login → me) per second on 127.0.0.1 at 1, 8 and 32
// concurrent clients, against real server processes: wallet-login on the embedded SQLite store
// and on Redis + PostgreSQL, in one process and as cluster workers, and the reference stand-in
// written the usual way (bench/reference: express + express-session + siwe + ethers), all in
// the same run, interleaved over 3 rounds, so the ratios compare like with like. The floor
// (bench/reference/floor.mjs: Koa + koa-router + koa-session, the challenge in a Map, native
// recovery, regenerate() at sign-in; it keeps nothing and checks nothing else) is the least any
// login on this stack can do: each configuration is also printed as a fraction of it.
//
// Signing is off the clock (bench/flows.mjs says how logins/s and latency are counted). Every
// level is bounded in count and in time, and every request goes to 127.0.0.1.
// A last row runs bare node:http answering the same three requests with no work: the ceiling of
// this machine and this load generator.
//   npm run bench:login                       all configurations
//   node bench/login.mjs --only=sqlite-1,floor   (ids: sqlite-1 sqlite-2 redis-pg-1 redis-pg-2 floor reference ceiling)
//   node bench/login.mjs --profile            also writes V8 CPU profiles of the wallet-login servers
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareFlow, floorFlow, measureLogins, referenceFlow, walletFlow } from './flows.mjs';
import { childPids, prepareExternalStores, startBareHttp, startFloor, startReference, startWalletLogin, usesExternalStores } from './lib.mjs';

const LEVELS = [1, 8, 32];
const LOGINS = { 1: 300, 8: 1_000, 32: 2_000 };
const ROUNDS = 3;
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
  { id: 'floor', name: 'floor: Koa + koa-router + koa-session, Map, native recovery (keeps and checks nothing else)', flow: floorFlow, start: startFloor },
  { id: 'reference', name: 'reference stand-in (express + express-session + siwe + ethers)', flow: referenceFlow, start: startReference },
  { id: 'ceiling', name: 'ceiling: bare node:http, same 3 requests, no work', flow: bareFlow, start: startBareHttp },
].filter((configuration) => !only || only.has(configuration.id));

function cpuProfile(id) {
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, id)}`] : [];
}

// Every server is started, checked, registered and warmed up first; then each round runs every
// level on every configuration back to back, so a change in the machine's load touches all of
// them alike. Figures are medians over the rounds; the ratio is the median of each round's ratio.
const running = [];
const unavailable = [];
for (const configuration of configurations) {
  const { name, flow } = configuration;
  if (configuration.external && external.unavailable) {
    unavailable.push({ name, reason: external.unavailable });
    continue;
  }
  process.stderr.write(`starting ${name} …\n`);
  let server;
  try {
    server = await configuration.start();
    if (configuration.external) {
      const check = await usesExternalStores(server);
      if (!check.ok) {
        unavailable.push({ name, reason: check.reason });
        await server.stop();
        continue;
      }
    }
    let label = name;
    if (configuration.workers > 1) {
      const seen = childPids(server.pid).length;
      if (seen < configuration.workers) label = `${name} (${seen} worker processes seen)`;
    }
    await flow.setUp(server);
    await measureLogins({ flow, server, concurrency: 8, count: WARM_UP });
    running.push({ ...configuration, label, server, results: new Map(LEVELS.map((level) => [level, []])) });
  } catch (error) {
    unavailable.push({ name, reason: error.message.split('\n')[0] });
    await server?.stop();
  }
}

try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const concurrency of LEVELS) {
      for (const configuration of running) {
        const result = await measureLogins({ flow: configuration.flow, server: configuration.server, concurrency, count: LOGINS[concurrency] });
        configuration.results.get(concurrency).push(result);
        process.stderr.write(`round ${round}, c=${concurrency}, ${configuration.label}: ${result.perSecond.toFixed(0)} logins/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, server CPU ${result.cpuMsPerLogin.toFixed(2)} ms/login (${result.logins} logins)\n`);
      }
    }
  }
} finally {
  for (const { server } of running) await server.stop();
  if (!external.unavailable) await external.cleanup();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const reference = running.find((configuration) => configuration.id === 'reference');
const floor = running.find((configuration) => configuration.id === 'floor');
/** The median over rounds of this configuration's logins/s over `base`'s in the same round. */
const ratioTo = (base, results, concurrency) =>
  base ? `${median(results.map((result, round) => result.perSecond / base.results.get(concurrency)[round].perSecond)).toFixed(2)}×` : '–';
console.log(`\nfull logins (challenge → login → me) on 127.0.0.1, signing off the clock, median of ${ROUNDS} interleaved rounds (node ${process.version})`);
console.log('| configuration | clients | logins/s | p50 ms | p99 ms | × floor | × reference | server CPU ms/login |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const configuration of running) {
  for (const concurrency of LEVELS) {
    const results = configuration.results.get(concurrency);
    const of = (field) => median(results.map((result) => result[field]));
    console.log(`| ${configuration.label} | ${concurrency} | ${of('perSecond').toFixed(0)} | ${of('p50').toFixed(1)} | ${of('p99').toFixed(1)} | ${ratioTo(floor, results, concurrency)} | ${ratioTo(reference, results, concurrency)} | ${of('cpuMsPerLogin').toFixed(2)} |`);
  }
}
for (const { name, reason } of unavailable) console.log(`| ${name} | – | unavailable: ${reason} | | | | | |`);
if (profileDir) console.log(`\nCPU profiles of the wallet-login servers: ${profileDir}`);
