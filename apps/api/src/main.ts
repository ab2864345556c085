// Start-up: config → stores → app → listen (http or https, with the live-session WebSocket). The
// only module that touches the process: environment (through loadConfig), wall clock,
// randomness, signals, the cluster. WORKERS > 1 runs a node cluster: the primary prepares what the
// workers share (session keys, the self-signed certificate, the store schemas) and forks them;
// each worker is a full API process on the shared port.
//
// Contract-wallet RPCs (RPC_URLS) are asked their chain id before the server listens: one serving
// another chain refuses the start (one line, exit 1: a Chain ID 1 sign-in must never be decided by
// another chain's node); one that does not answer is logged and asked again before its first use
// (key-pair sign-in needs no RPC).

import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import { loadRecoverAddress } from '@wallet-login/challenge/native';
import { createMetricsApp } from './app';
import { ConfigError, loadConfig, loadSessionKeys, systemClock, systemRandom, type Config } from './config';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { createContractWalletVerifier, type ContractWalletVerifier } from './chain';
import { checkDataDir } from './stores/dataDir';
import type { MetricsSource } from './routes/ops';
import { describeStores, openStores } from './stores/open';
import { createClusterWorkerSessionEvents } from './events/cluster';
import { createLocalSessionEvents } from './events/local';
import { openRedisSessionEvents } from './events/redis';
import type { SessionEvents } from './events/types';
import { clusterMetricsFromPrimary, connectToPrimary, runPrimary } from './server/cluster';
import { serve } from './server/serve';
import { loadTlsCredentials } from './server/tls';
import { loadSigningKeys } from './oidc/keys';
import { loadOidcModule } from './oidc/provider';
import type { Logger } from 'pino';

const SWEEP_INTERVAL_MS = 60_000;
/**
 * Past the drain's bound (SHUTDOWN_GRACE_MS), for closing the stores (which first waits for queued
 * audit entries, stores/open.ts AUDIT_FLUSH_MS); then the process gives up.
 */
const STOP_SLACK_MS = 2000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel).child({ instance: config.instanceId });
  // Once per start, before anything is written there (a cluster's workers do not repeat it).
  if (cluster.isPrimary) checkDataDir({ dir: config.dataDir, logger });
  if (config.workers > 1 && cluster.isPrimary) return startCluster(config, logger);
  return startServer(config, logger);
}

/** The cluster primary: shared preparation once, then the workers. */
async function startCluster(config: Config, logger: Logger): Promise<void> {
  // A wrong chain refuses the start here, once, before any worker is forked.
  await startContractWallets(config, logger);
  // Done once here so the workers do not race to create them.
  loadSessionKeys(config.sessionKeys, config.dataDir);
  await loadTlsCredentials({ tls: config.tls, dataDir: config.dataDir, origins: config.allowedOrigins, clock: systemClock });
  const stores = await openStores({ config, clock: systemClock, logger });
  // The OpenID provider's signing keys, made once here (kept in the durable store).
  await loadSigningKeys(stores.signingKeys, systemClock);
  await stores.close();
  // The metrics listener is the primary's: it asks every worker for its registry and answers
  // with their sum (prom-client's AggregatorRegistry; the workers answer through
  // clusterMetricsFromPrimary's registration).
  const aggregator = new AggregatorRegistry();
  const metricsListener = await listenMetrics(config, { render: () => aggregator.clusterMetrics(), contentType: aggregator.contentType }, logger);

  const clean = await runPrimary({
    workers: config.workers,
    port: config.port,
    host: config.host,
    // Each worker drains within the grace, closes its stores, and gives up itself at the slack.
    stopTimeoutMs: config.shutdownGraceMs + STOP_SLACK_MS + 1000,
    logger,
    workerEnv: (index) => ({ INSTANCE_ID: `${config.instanceId}-${index}` }),
    onListening: ({ port }) => logListening(config, logger, port, `${config.workers} workers`, metricsListener?.url),
  });
  logger.info({ clean }, 'stopped');
  process.exit(clean ? 0 : 1);
}

/** One serving process: the only one, or a cluster worker. */
async function startServer(config: Config, logger: Logger): Promise<void> {
  const sessionKeys = loadSessionKeys(config.sessionKeys, config.dataDir);
  const clock = systemClock;
  const random = systemRandom;
  const tls = await loadTlsCredentials({ tls: config.tls, dataDir: config.dataDir, origins: config.allowedOrigins, clock });
  const stores = await openStores({ config, clock, logger });
  logger.info(describeStores(config), 'stores opened');
  // The OpenID provider: its keys made (or read) and oidc-provider loaded before the first request.
  const signingKeys = await loadSigningKeys(stores.signingKeys, clock);
  await loadOidcModule();
  logger.info({ issuer: `${config.publicOrigin}/oidc`, signingKeys: signingKeys.map((key) => key.kid) }, 'OpenID provider ready');
  // createApp uses the same (cached) choice; say which one it is, and why when it is the slow one.
  const recovery = loadRecoverAddress();
  if (recovery.path === 'native') logger.info({ recovery: recovery.path }, 'signer recovery: native libsecp256k1');
  else logger.warn({ recovery: recovery.path, reason: recovery.reason }, 'signer recovery: pure JavaScript, about 20x slower (the native secp256k1 binding did not load)');
  let events: SessionEvents;
  if (config.redisUrl !== undefined) {
    events = await openRedisSessionEvents({
      url: config.redisUrl,
      // Deployments sharing one Redis under different prefixes do not hear each other.
      channel: `${config.redisPrefix}session-events`,
      senderId: Buffer.from(random(12)).toString('base64url'),
      logger,
    });
  } else {
    events = cluster.isWorker ? createClusterWorkerSessionEvents() : createLocalSessionEvents();
  }
  const metrics = createMetrics({ stores, instanceId: config.instanceId, processMetrics: true });
  if (cluster.isWorker) metrics.render = clusterMetricsFromPrimary(metrics.registry);
  let contractWallets: ContractWalletVerifier | undefined;
  try {
    contractWallets = await startContractWallets(config, logger, metrics);
  } catch (error) {
    await Promise.allSettled([events.close(), stores.close()]);
    throw error;
  }

  const serving = await serve({
    config: { ...config, sessionKeys },
    port: config.port,
    host: config.host,
    // A worker's primary listens and hands it connections.
    listen: !cluster.isWorker,
    http: config.http,
    ...(tls ? { tls } : {}),
    stores,
    events,
    metrics,
    clock,
    random,
    logger,
    ...(contractWallets ? { contractWallets } : {}),
    // The embedded store outside a WORKERS cluster: no other process shares its counters.
    soleProcess: !cluster.isWorker && config.redisUrl === undefined,
  });
  // A cluster's metrics listener is its primary's (startCluster).
  const metricsListener = cluster.isWorker
    ? undefined
    : await listenMetrics(config, { render: () => metrics.render(), contentType: metrics.registry.contentType }, logger);
  if (cluster.isWorker) logger.debug({ port: serving.port }, 'worker listening');
  else logListening(config, logger, serving.port, 'one process', metricsListener?.url);

  if (config.publicOrigin.startsWith('https:') && config.tls.mode === 'off' && !config.trustProxy) {
    logger.warn('PUBLIC_ORIGIN is https but TRUST_PROXY is off: this server speaks plain HTTP, so Secure cookies can only be set behind a TLS proxy with TRUST_PROXY=1');
  }

  const sweep = setInterval(() => {
    stores.sweep().catch((err: unknown) => logger.warn({ err }, 'sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    const started = performance.now();
    logger.info({ reason, graceMs: config.shutdownGraceMs }, 'shutting down');
    clearInterval(sweep);
    setTimeout(() => {
      logger.error({ afterMs: config.shutdownGraceMs + STOP_SLACK_MS }, 'did not stop in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + STOP_SLACK_MS).unref();
    serving
      .close(config.shutdownGraceMs)
      .then(() => Promise.allSettled([events.close(), stores.close(), metricsListener?.close()]))
      .then(() => {
        logger.info({ ms: Math.round(performance.now() - started) }, 'stopped');
        process.exit(0);
      });
  };
  // `on`, not `once`: a second signal with no listener would kill the process mid-drain.
  if (cluster.isWorker) {
    // A signal reaches a worker itself when it is sent to the whole process group (a terminal's
    // Ctrl-C, systemd's KillMode=control-group) or to the worker alone: the primary stops sending
    // it connections first, so none is left unserved.
    const primary = connectToPrimary({ accept: (socket) => serving.accept(socket), stop });
    process.on('SIGINT', () => primary.requestStop('SIGINT'));
    process.on('SIGTERM', () => primary.requestStop('SIGTERM'));
    primary.ready();
    logger.debug('worker ready');
  } else {
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  }
}

/**
 * The contract-wallet verifier of RPC_URLS (undefined when none is configured), each RPC's chain
 * checked: throws ChainError chain_mismatch (one line) when one serves another chain; logs one
 * that does not answer and goes on.
 */
async function startContractWallets(config: Config, logger: Logger, metrics?: Metrics): Promise<ContractWalletVerifier | undefined> {
  if (config.rpcUrls.length === 0) {
    logger.info('contract wallets: no RPC_URLS, so only key-pair (EOA) accounts can sign in');
    return undefined;
  }
  const verifier = createContractWalletVerifier({
    rpcUrls: config.rpcUrls,
    timeoutMs: config.rpcTimeoutMs,
    ...(metrics ? { observe: metrics.observeRpcCheck } : {}),
  });
  for (const { chainId, endpoint, state, error } of await verifier.start()) {
    if (state === 'ready') logger.info({ chainId, rpc: endpoint }, `contract wallets on chain ${chainId}: checked on ${endpoint}`);
    else logger.warn({ chainId, rpc: endpoint, error }, `contract wallets on chain ${chainId}: ${error ?? 'the RPC does not answer'}; asked again before its first use, contract-wallet sign-ins get 503 until it answers`);
  }
  return verifier;
}

function logListening(config: Config, logger: Logger, port: number, processes: string, metricsUrl?: string): void {
  const scheme = config.tls.mode === 'off' ? 'http' : 'https';
  const url = `${scheme}://${urlHost(config.host)}:${port}`;
  const metrics = metricsUrl !== undefined ? `; metrics on ${metricsUrl}` : config.metrics.serve === 'public' ? '; metrics on the public port, with METRICS_TOKEN' : '';
  logger.info(
    { url, publicOrigin: config.publicOrigin, workers: config.workers, tls: config.tls.mode, ...(metricsUrl !== undefined ? { metricsUrl } : {}) },
    `wallet-login listening on ${url} (${processes}; public origin ${config.publicOrigin}${metrics})`,
  );
}

/**
 * GET /metrics on a listener of its own (METRICS_HOST:METRICS_PORT, 127.0.0.1 by default), when
 * that is where the configuration puts it. Plain HTTP: it is for the operators' network.
 */
async function listenMetrics(config: Config, metrics: MetricsSource, logger: Logger): Promise<{ url: string; close(): Promise<void> } | undefined> {
  if (config.metrics.serve !== 'listener') return undefined;
  const { host, port } = config.metrics;
  const server: Server = createServer(createMetricsApp({ metrics, logger }).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}/metrics`;
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A host as it goes into a URL: IPv6 addresses in brackets. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`wallet-login failed to start: ${(error as Error).message}; is it running already? Set PORT (or METRICS_PORT) to use another port.\n`);
  } else {
    process.stderr.write(`wallet-login failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
