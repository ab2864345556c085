// WORKERS > 1: a node cluster. The primary serves nothing itself: it forks the workers (each a
// full API process), listens on the port and hands each connection to the next worker in turn,
// replaces workers that crash, relays session events between them when there is no Redis, answers
// their requests for cluster-wide metrics, and on SIGINT/SIGTERM stops: it closes the listener,
// tells each worker to drain as a single process does (main.ts), and exits once every worker has.
//
// The primary owns the listener, rather than node's cluster sharing it with the workers, so that
// a stop refuses new connections before any worker stops taking them. With the shared listener a
// worker that closes it rejects a connection the primary is handing it at that moment; once the
// last worker has closed, such a connection is never served and the client, its request written,
// gets a reset. Here every accepted connection reaches a worker before that worker's stop.

import cluster, { type Worker } from 'node:cluster';
import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { relayClusterSessionEvents } from '../events/cluster';

const METRICS_REQUEST = 'wallet-login:metrics-request';
const METRICS_RESPONSE = 'wallet-login:metrics-response';
/** Primary → worker, with the socket: serve this connection. */
const CONNECTION = 'wallet-login:connection';
/** Worker → primary: set up, send connections. */
const READY = 'wallet-login:ready';
/** Worker → primary: signalled itself; send no more connections, then STOP. */
const DRAINING = 'wallet-login:draining';
/** Primary → worker: no connection follows this one; drain and exit. */
const STOP = 'wallet-login:stop';
/** Longer than prom-client's own 5 s collection deadline in the primary. */
const METRICS_TIMEOUT_MS = 6000;
/** A worker that dies within this long of its start counts as crashing in a loop. */
const QUICK_EXIT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** Connections held while no worker is ready (all restarting); past this, new ones are dropped. */
const MAX_WAITING_CONNECTIONS = 1024;
/** A worker that asked to stop and heard nothing from its primary drains anyway after this. */
const STOP_ANSWER_MS = 1000;

export interface RunPrimaryOptions {
  workers: number;
  port: number;
  host: string;
  /** How long the workers get to drain and exit after the stop before they are killed. */
  stopTimeoutMs: number;
  logger: Logger;
  /** Environment added to each worker's (its INSTANCE_ID, for one). */
  workerEnv: (index: number) => Record<string, string>;
  /** Called once, when every worker is ready and the primary listens. */
  onListening?: (address: { address: string; port: number }) => void;
}

const typeOf = (message: unknown): unknown => (message as { type?: unknown } | null | undefined)?.type;

/**
 * Runs the primary until a signal stops it; resolves true when every worker then exited 0 (it
 * drained in time). Rejects (after stopping every worker) when the cluster fails to come up: a
 * worker exits during start-up (an unreachable store), or the port cannot be listened on.
 */
export function runPrimary({ workers, port, host, stopTimeoutMs, logger, workerEnv, onListening }: RunPrimaryOptions): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const aggregator = new AggregatorRegistry();
    const started = new Map<Worker, { index: number; at: number; wasReady: boolean }>();
    // Workers taking connections, in turn.
    const ready: Worker[] = [];
    let turn = 0;
    const waiting: Socket[] = [];
    let up = false;
    let stopping = false;
    let clean = true;
    let quickExits = 0;

    const unready = (worker: Worker): void => {
      const at = ready.indexOf(worker);
      if (at >= 0) ready.splice(at, 1);
    };

    // Paused: the worker reads the connection, the primary never does.
    const listener = createServer({ pauseOnConnect: true });
    const handOff = (socket: Socket): void => {
      if (ready.length === 0) {
        if (waiting.length < MAX_WAITING_CONNECTIONS) waiting.push(socket);
        else socket.destroy();
        return;
      }
      turn = (turn + 1) % ready.length;
      const worker = ready[turn]!;
      worker.send({ type: CONNECTION }, socket, (error: Error | null) => {
        if (!error) return;
        // The worker is gone: another one takes the connection, which is still here.
        unready(worker);
        if (!socket.destroyed) handOff(socket);
      });
    };
    listener.on('connection', handOff);

    const fork = (index: number): void => {
      const worker = cluster.fork(workerEnv(index));
      started.set(worker, { index, at: performance.now(), wasReady: false });
    };

    cluster.on('message', (worker, message: unknown) => {
      if (relayClusterSessionEvents(worker, message, Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined))) return;
      const type = typeOf(message);
      if (type === READY) return onReady(worker);
      if (type === DRAINING) {
        // Sent after every connection already handed to it, on the same channel.
        unready(worker);
        if (worker.isConnected()) worker.send({ type: STOP });
        return;
      }
      if (type !== METRICS_REQUEST) return;
      const { id } = message as { id?: unknown };
      aggregator.clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id, text }),
        (err: Error) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id, error: err.message }),
      );
    });

    const onReady = (worker: Worker): void => {
      if (stopping) {
        if (worker.isConnected()) worker.send({ type: STOP });
        return;
      }
      ready.push(worker);
      const info = started.get(worker);
      if (info) info.wasReady = true;
      for (const socket of waiting.splice(0)) handOff(socket);
      if (up || ready.length < workers) return;
      up = true;
      listener.once('error', (error) => {
        stop();
        reject(error);
      });
      listener.listen(port, host, () => {
        listener.removeAllListeners('error');
        // Accept errors (out of file descriptors) are the connection's loss, not the cluster's.
        listener.on('error', (err) => logger.error({ err }, 'accepting a connection failed'));
        const address = listener.address();
        if (address !== null && typeof address === 'object') onListening?.({ address: address.address, port: address.port });
      });
    };

    cluster.on('exit', (worker, code, signal) => {
      const info = started.get(worker);
      started.delete(worker);
      unready(worker);
      if (stopping) {
        // One that never took a connection is ended by the signal while starting: nothing lost.
        if (code !== 0 && info?.wasReady !== false) {
          clean = false;
          logger.error({ workerPid: worker.process.pid, code, signal }, 'worker did not stop cleanly');
        }
        if (started.size === 0) resolve(clean);
        return;
      }
      if (!up) {
        // Failing before the cluster is up is a configuration or environment problem: stop.
        stop();
        reject(new Error(`a worker exited during start-up (${signal ?? `code ${code}`}); its error is above`));
        return;
      }
      if (code === 0) {
        // Stopped cleanly on its own signal (an operator's, for one worker): not a crash.
        logger.info({ workerPid: worker.process.pid }, 'worker stopped; starting another');
        fork(info?.index ?? 0);
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
      // New connections are refused from here on. Those accepted are on their way to a worker,
      // and its STOP follows them on the same channel.
      if (listener.listening) listener.close();
      for (const socket of waiting.splice(0)) socket.destroy();
      if (started.size === 0) return resolve(clean);
      for (const worker of started.keys()) {
        // One still starting has not said it is ready, and may not hear messages yet.
        if (ready.includes(worker) && worker.isConnected()) worker.send({ type: STOP });
        else worker.process.kill('SIGTERM');
      }
      ready.length = 0;
      setTimeout(() => {
        for (const worker of started.keys()) worker.process.kill('SIGKILL');
      }, stopTimeoutMs).unref();
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      logger.info({ signal }, 'shutting down the workers');
      stop();
    };
    // `on`, not `once`: a second signal during the drain must not kill the primary.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    for (let index = 1; index <= workers; index += 1) fork(index);
  });
}

export interface ConnectToPrimaryOptions {
  /** Serves a connection the primary accepted. */
  accept(socket: Socket): void;
  /** Drains and exits; called once the primary sends no more connections (or is gone). */
  stop(reason: string): void;
}

export interface PrimaryLink {
  /** Tells the primary this worker takes connections. */
  ready(): void;
  /** A signal reached this worker: asks the primary to stop sending connections, then stops. */
  requestStop(reason: string): void;
}

/** In a worker: the connections the primary hands over, and its stop. */
export function connectToPrimary({ accept, stop }: ConnectToPrimaryOptions): PrimaryLink {
  process.on('message', (message: unknown, handle?: unknown) => {
    const type = typeOf(message);
    if (type === CONNECTION && handle) accept(handle as Socket);
    else if (type === STOP) stop('primary stop');
  });
  // A worker whose primary is gone has no one to serve for.
  process.once('disconnect', () => stop('primary gone'));
  return {
    ready: () => void process.send?.({ type: READY }),
    requestStop(reason) {
      try {
        process.send?.({ type: DRAINING });
      } catch {
        // The channel is closing: 'disconnect' stops this worker.
      }
      setTimeout(() => stop(reason), STOP_ANSWER_MS).unref();
    },
  };
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
