// The operators' routes: GET /healthz (the process is up), GET /readyz (whether this instance can
// serve sign-ins now, with each backing service's state, for load balancers and orchestrators) and
// GET /metrics (Prometheus). A store is not ready while it is away, and also while it answers but
// its writes fail (a full disk, a read-only file or server): the stores' check tells (Stores.check).
// /healthz stays 200 then: restarting the process would not bring a service back. The public app
// serves /metrics only behind a bearer token (METRICS_TOKEN); otherwise it is on the metrics
// listener (createMetricsApp, on 127.0.0.1).
//
// Each configured RPC (contract-wallet checks, RPC_URLS) is listed too, as `rpc:<chainId>`, but
// does not decide readiness: only contract-wallet sign-ins need it (they answer 503 while it is
// away), and taking the instance out of a load balancer would stop key-pair sign-ins as well.

import { createHash, timingSafeEqual } from 'node:crypto';
import Router from 'koa-router';
import { ApiError } from '../errors';
import type { DependencyStatus, Stores } from '../stores/types';

/** What GET /readyz answers, with 200 when every dependency is ok, else 503. */
export interface Readiness {
  status: 'ready' | 'unavailable';
  dependencies: DependencyStatus[];
}

/** Where GET /metrics takes its answer from. */
export interface MetricsSource {
  /** The text exposition (a cluster's, aggregated, in a cluster). */
  render(): Promise<string>;
  contentType: string;
}

export interface OpsRoutesOptions {
  /** Serves /readyz, pinging these stores. @default not served */
  stores?: Pick<Stores, 'check'>;
  /** Serves /metrics. @default not served */
  metrics?: MetricsSource;
  /**
   * With `metrics`: a request must carry `Authorization: Bearer <token>` (METRICS_TOKEN).
   * @default none: whoever reaches the listener may scrape
   */
  metricsToken?: string;
  /** The RPCs /readyz lists (each `rpc:<chainId>`), without letting them decide it. @default none */
  rpcs?: { check(): Promise<DependencyStatus[]> };
}

export function opsRoutes({ stores, metrics, metricsToken, rpcs }: OpsRoutesOptions): Router {
  const router = new Router({ sensitive: true });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  if (stores !== undefined) {
    // Requests arriving while a check runs share it, so a burst of probes costs the services one
    // round of pings.
    let running: Promise<Readiness> | undefined;
    const rounded = (dependency: DependencyStatus): DependencyStatus => ({
      ...dependency,
      ...(dependency.latencyMs === undefined ? {} : { latencyMs: Math.round(dependency.latencyMs * 10) / 10 }),
    });
    const check = async (): Promise<Readiness> => {
      const [storeStates, rpcStates] = await Promise.all([stores.check(), rpcs?.check() ?? []]);
      const ready = storeStates.every((dependency) => dependency.ok);
      return { status: ready ? 'ready' : 'unavailable', dependencies: [...storeStates, ...rpcStates].map(rounded) };
    };
    router.get('/readyz', async (ctx) => {
      running ??= check().finally(() => {
        running = undefined;
      });
      const readiness = await running;
      ctx.status = readiness.status === 'ready' ? 200 : 503;
      ctx.body = readiness;
    });
  }

  if (metrics !== undefined) {
    const authorized = metricsToken === undefined ? () => true : bearerCheck(metricsToken);
    router.get('/metrics', async (ctx) => {
      if (!authorized(ctx.get('Authorization'))) {
        // RFC 6750 §3: the challenge a client without a valid token gets.
        ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new ApiError('unauthenticated', 'Scraping metrics here needs the bearer token (Authorization: Bearer …).');
      }
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render();
    });
  }

  return router;
}

/**
 * Whether an Authorization header carries `token` as a bearer token (RFC 6750 §2.1), compared in
 * constant time: both sides are hashed first, so neither the token's length nor how much of it a
 * guess got right shows in the time taken.
 */
function bearerCheck(token: string): (header: string) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    const given = createHash('sha256').update(match?.[1] ?? '').digest();
    return timingSafeEqual(given, expected) && match !== null;
  };
}
