// WORKERS > 1: a node cluster. The primary serves nothing itself; it forks the workers (each a
// full API process on the shared port, which the primary hands out round-robin), replaces any
// that crash, relays session events between them when there is no Redis, answers their requests
// for cluster-wide metrics, and stops them on SIGINT/SIGTERM.

import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { relayClusterSessionEvents } from '../events/cluster';

const METRICS_REQUEST = 'wallet-login:metrics-request';
const METRICS_RESPONSE = 'wallet-login:metrics-response';
/** Longer than prom-client's own 5 s collection deadline in the primary. */
const METRICS_TIMEOUT_MS = 6000;
/** A worker that dies within this long of its start counts as crashing in a loop. */
const QUICK_EXIT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** How long workers get to finish requests in flight at shutdown before they are killed. */
const STOP_GRACE_MS = 10_000;

export interface RunPrimaryOptions {
  workers: number;
  logger: Logger;
  /** Environment added to each worker's (its INSTANCE_ID, for one). */
  workerEnv: (index: number) => Record<string, string>;
  /** Called once when every worker listens for the first time. */
  onListening?: (address: { address: string; port: number }) => void;
}

/**
 * Runs the primary until a signal stops it. Rejects (after stopping every worker) when a worker
 * fails before the cluster first comes up: a bad port, an unreachable store.
 */
export function runPrimary({ workers, logger, workerEnv, onListening }: RunPrimaryOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const aggregator = new AggregatorRegistry();
    const started = new Map<Worker, { index: number; at: number }>();
    let listening = 0;
    let up = false;
    let stopping = false;
    let quickExits = 0;

    const fork = (index: number): void => {
      const worker = cluster.fork(workerEnv(index));
      started.set(worker, { index, at: performance.now() });
    };

    cluster.on('message', (worker, message: unknown) => {
      if (relayClusterSessionEvents(worker, message, Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined))) return;
      const { type, id } = (message ?? {}) as { type?: unknown; id?: unknown };
      if (type !== METRICS_REQUEST) return;
      aggregator.clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id, text }),
        (err: Error) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id, error: err.message }),
      );
    });

    cluster.on('listening', (_worker, address) => {
      if (up) return;
      listening += 1;
      if (listening === workers) {
        up = true;
        onListening?.({ address: address.address ?? '', port: address.port });
      }
    });

    cluster.on('exit', (worker, code, signal) => {
      const info = started.get(worker);
      started.delete(worker);
      if (stopping) {
        if (started.size === 0) resolve();
        return;
      }
      if (!up) {
        // Failing before the cluster is up is a configuration or environment problem: stop.
        stop();
        reject(new Error(`a worker exited during start-up (${signal ?? `code ${code}`}); its error is above`));
        return;
      }
      const lived = info ? performance.now() - info.at : 0;
      quickExits = lived < QUICK_EXIT_MS ? quickExits + 1 : 0;
      const delay = Math.min(MAX_RESTART_DELAY_MS, quickExits === 0 ? 0 : 1000 * 2 ** (quickExits - 1));
      logger.error({ workerPid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited; starting another');
      setTimeout(() => {
        if (!stopping) fork(info?.index ?? 0);
      }, delay).unref();
    });

    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      if (started.size === 0) return resolve();
      for (const worker of started.keys()) worker.process.kill('SIGTERM');
      setTimeout(() => {
        for (const worker of started.keys()) worker.process.kill('SIGKILL');
      }, STOP_GRACE_MS).unref();
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down the workers');
      stop();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    for (let index = 1; index <= workers; index += 1) fork(index);
  });
}

/**
 * In a worker: metrics of the whole cluster, aggregated by the primary from every worker's
 * `registry` (counters and histograms summed; store gauges by maximum).
 */
export function clusterMetricsFromPrimary(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one in a worker installs prom-client's answer to the primary's collection.
  new AggregatorRegistry();
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: unknown) => {
    const { type, id, text, error } = (message ?? {}) as { type?: unknown; id?: unknown; text?: unknown; error?: unknown };
    if (type !== METRICS_RESPONSE || typeof id !== 'number') return;
    const request = pending.get(id);
    if (!request) return;
    pending.delete(id);
    if (typeof text === 'string') request.resolve(text);
    else request.reject(new Error(`cluster metrics: ${typeof error === 'string' ? error : 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster metrics: the primary did not answer'));
      }, METRICS_TIMEOUT_MS);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: METRICS_REQUEST, id });
    });
}
