// Prometheus metrics (prom-client), one registry per app: sign-ins by outcome code, challenge and
// verification latency, HTTP requests by route, live-session sockets, and the store's live
// session and challenge counts. Labels are bounded sets (route patterns, error codes), never
// addresses, ids or anything a client chooses freely.

import type { Context, Middleware } from 'koa';
import type Router from 'koa-router';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RpcCheckObserver } from './chain';
import type { Stores } from './stores/types';

/** Seconds: most challenges take about a millisecond, a login a few (one secp256k1 recovery). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds: an eth_call to a nearby node takes milliseconds, a distant provider's hundreds; RPC_TIMEOUT_MS is at most 60 s. */
const RPC_BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A store count taking longer than this leaves the gauge out of one scrape rather than stall it. */
const STORE_COUNT_TIMEOUT_MS = 1000;

export interface Metrics {
  registry: Registry;
  /** Sign-in attempts (`action`: login, register) by `outcome`: `ok` or the error code answered. */
  logins: Counter<'action' | 'outcome'>;
  challengeSeconds: Histogram<'outcome'>;
  verifySeconds: Histogram<'action' | 'outcome'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** Open live-session WebSockets in this process. */
  liveSockets: Gauge;
  /**
   * Contract-wallet checks that went to an RPC (sign-ins and session re-checks), by `chain`,
   * `method` (erc1271, erc6492), `outcome` (valid, invalid, unavailable) and `reason` (why an
   * unavailable one was: timeout, unreachable, rpc_error, bad_answer, chain_mismatch; else none).
   */
  rpcChecks: Counter<'chain' | 'method' | 'outcome' | 'reason'>;
  rpcCheckSeconds: Histogram<'chain' | 'outcome'>;
  /** The contract-wallet verifier's `observe`: counts and times each RPC check. */
  observeRpcCheck: RpcCheckObserver;
  /**
   * The exposition text: this registry's. A cluster worker replaces it with the whole cluster's
   * (server/cluster.ts clusterMetricsFromPrimary).
   */
  render(): Promise<string>;
}

export interface CreateMetricsOptions {
  /** Read at scrape time for the live session, challenge and waiting audit record gauges. */
  stores: Pick<Stores, 'sessions' | 'challenges' | 'auditBacklog'>;
  /** Names this process in `wallet_login_instance_info`. */
  instanceId: string;
  /**
   * Also collect the process metrics (CPU, memory, event loop lag, GC): the running server does;
   * tests that create many apps in one process do not.
   * @default false
   */
  processMetrics?: boolean;
}

export function createMetrics({ stores, instanceId, processMetrics = false }: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  // This registry's counters and histograms: a name, what it counts, its labels (bounded sets).
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });

  new Gauge({
    name: 'wallet_login_instance_info',
    help: 'Always 1; names the API process.',
    labelNames: ['instance'],
    registers: [registry],
  }).set({ instance: instanceId }, 1);

  const logins = counter(
    'wallet_login_logins_total',
    'Sign-in attempts by action (login, register) and outcome (ok or the error code answered).',
    ['action', 'outcome'],
  );
  const challengeSeconds = histogram(
    'wallet_login_challenge_duration_seconds',
    'Time to answer POST /api/auth/challenge.',
    ['outcome'],
    LATENCY_BUCKETS,
  );
  const verifySeconds = histogram(
    'wallet_login_verify_duration_seconds',
    'Time to answer POST /api/auth/login and /register: challenge take, signature recovery, user lookup, session write.',
    ['action', 'outcome'],
    LATENCY_BUCKETS,
  );
  const httpRequests = counter(
    'wallet_login_http_requests_total',
    'HTTP requests by method, route pattern and status.',
    ['method', 'route', 'status'],
  );
  const liveSockets = new Gauge({
    name: 'wallet_login_live_session_sockets',
    help: 'Open live-session WebSockets (/api/ws).',
    registers: [registry],
  });

  const rpcChecks = counter(
    'wallet_login_rpc_checks_total',
    'Contract-wallet signature checks (ERC-1271, ERC-6492) sent to an RPC, by chain, method, outcome (valid, invalid, unavailable) and reason (of an unavailable one).',
    ['chain', 'method', 'outcome', 'reason'],
  );
  const rpcCheckSeconds = histogram(
    'wallet_login_rpc_check_duration_seconds',
    'Time of one contract-wallet check at its RPC (the chain check before first use included), by chain and outcome.',
    ['chain', 'outcome'],
    RPC_BUCKETS,
  );
  // Labels are bounded: chains are those of RPC_URLS, the rest fixed sets.
  const observeRpcCheck: RpcCheckObserver = (outcome, ms, { chainId, method, reason }) => {
    const chain = String(chainId);
    rpcChecks.inc({ chain, method, outcome, reason: reason ?? 'none' });
    rpcCheckSeconds.observe({ chain, outcome }, ms / 1000);
  };

  // Every process sees the same shared store: a cluster reports the largest answer, not the sum.
  const storeGauge = (name: string, help: string, count: () => Promise<number>): void => {
    new Gauge({
      name,
      help,
      aggregator: 'max',
      registers: [registry],
      async collect() {
        const value = await withTimeout(count(), STORE_COUNT_TIMEOUT_MS).catch(() => undefined);
        if (value !== undefined) this.set(value);
      },
    });
  };
  storeGauge('wallet_login_active_sessions', 'Live sessions in the session store (signed in or waiting for a signature).', () => stores.sessions.count());
  storeGauge('wallet_login_outstanding_challenges', 'Challenges issued and not yet used or expired.', () => stores.challenges.count());
  // Each process has its own queue: a cluster reports the sum.
  new Gauge({
    name: 'wallet_login_audit_records_waiting',
    help: 'Audit entries of accepted sign-ins not yet written to the audit log (queued for PostgreSQL); past AUDIT_QUEUE_MAX sign-ins get 503.',
    registers: [registry],
    collect() {
      this.set(stores.auditBacklog());
    },
  });

  return {
    registry, logins, challengeSeconds, verifySeconds, httpRequests, liveSockets, rpcChecks, rpcCheckSeconds, observeRpcCheck,
    render: () => registry.metrics(),
  };
}

/**
 * Counts requests and times the sign-in endpoints. Mounted outside the error middleware, so the
 * final status and error code of every answer are seen.
 */
export function metricsMiddleware(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(ctx);
      metrics.httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
      if (ctx.method === 'POST') {
        const outcome = outcomeOf(ctx.status, ctx.body);
        if (route === '/api/auth/challenge') metrics.challengeSeconds.observe({ outcome }, seconds);
        else if (route === '/api/auth/login' || route === '/api/auth/register') {
          const action = route === '/api/auth/login' ? 'login' : 'register';
          metrics.logins.inc({ action, outcome });
          metrics.verifySeconds.observe({ action, outcome }, seconds);
        }
      }
    }
  };
}

/** `ok`, or the error code of an `{ error: { code } }` answer. */
function outcomeOf(status: number, body: unknown): string {
  if (status < 400) return 'ok';
  const code = (body as { error?: { code?: unknown } } | null | undefined)?.error?.code;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : String(status);
}

/**
 * The pattern of the route the path matched (`/api/auth/sessions/:id`), whatever the method; else
 * `page` for what the sign-in page answered and `unmatched` for the rest. Never a raw path.
 */
function routeLabel(ctx: Context): string {
  const matched = (ctx.matched as Router.Layer[] | undefined) ?? [];
  // Router middleware (the API's guards) matches paths too, but only routes have methods.
  for (let i = matched.length - 1; i >= 0; i -= 1) {
    const layer = matched[i]!;
    if (layer.methods.length > 0) return layer.path;
  }
  return ctx.status < 400 ? 'page' : 'unmatched';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
