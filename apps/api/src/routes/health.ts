// GET /readyz: whether this instance can serve sign-ins now, with each backing service's state,
// for load balancers and orchestrators (take the instance out of rotation while it answers 503).
// A service is not ready while it is away, and also while it answers but its writes fail (a full
// disk, a read-only file or server): the stores' check tells (Stores.check). GET /healthz, by
// contrast, only says the process is up: restarting it would not bring a service back.

import type { Middleware } from 'koa';
import type { DependencyStatus, Stores } from '../stores/types';

/** What GET /readyz answers, with 200 when every dependency is ok, else 503. */
export interface Readiness {
  status: 'ready' | 'unavailable';
  dependencies: DependencyStatus[];
}

export interface ReadinessOptions {
  stores: Pick<Stores, 'check'>;
}

/**
 * Serves GET and HEAD /readyz. Requests arriving while a check runs share it, so a burst of
 * probes costs the services one round of pings.
 */
export function readinessRoute({ stores }: ReadinessOptions): Middleware {
  let running: Promise<Readiness> | undefined;
  const check = async (): Promise<Readiness> => {
    const dependencies = (await stores.check()).map((dependency) => ({
      ...dependency,
      ...(dependency.latencyMs === undefined ? {} : { latencyMs: Math.round(dependency.latencyMs * 10) / 10 }),
    }));
    return { status: dependencies.every((dependency) => dependency.ok) ? 'ready' : 'unavailable', dependencies };
  };
  return async (ctx, next) => {
    if (ctx.path !== '/readyz' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    running ??= check().finally(() => {
      running = undefined;
    });
    const readiness = await running;
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.status === 'ready' ? 200 : 503;
    ctx.body = readiness;
  };
}
