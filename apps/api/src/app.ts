// createApp(deps) → the Koa application: middleware and routes, no listening, no environment.
// Clock, randomness, stores and logger come in as dependencies so tests pin time and data.

import Koa from 'koa';
import Router from 'koa-router';
import cors from '@koa/cors';
import type { Logger } from 'pino';
import type { RecoverAddress } from '@wallet-login/challenge';
import { loadRecoverAddress } from '@wallet-login/challenge/native';
import type { Config } from './config';
import { errorHandler } from './middleware/errors';
import { refuseCrossSite } from './middleware/origin';
import { jsonBody } from './middleware/body';
import { noStore } from './middleware/noStore';
import { createSessionLayer, type SessionLayerOptions } from './middleware/session';
import { requestLogger } from './middleware/requestLogger';
import { createAudit } from './routes/audit';
import { sessionRoutes } from './routes/sessions';
import { signInRoutes } from './routes/signIn';
import { opsRoutes, type MetricsSource } from './routes/ops';
import { createCookieKeys } from './middleware/cookieKeys';
import { createRateLimits } from './middleware/rateLimit';
import { metaRoutes } from './routes/meta';
import { DEFAULT_WEB_DIR, serveWeb } from './middleware/static';
import { securityHeaders } from './middleware/securityHeaders';
import { createMetrics, metricsMiddleware, type Metrics } from './metrics';
import { createContractWalletVerifier, type ContractWalletVerifier } from './chain';
import { createLocalSessionEvents } from './events/local';
import type { SessionEvents } from './events/types';
import { requireUpgrade } from './server/liveSession';
import { openApiRoutes } from './openapi/route';
import { forwardAuthRoutes } from './routes/forwardAuth';
import { createOidc } from './oidc/provider';
import { oidcRoutes } from './oidc/routes';
import type { Clock, Stores } from './stores/types';

/** The API's path prefix: the API answers everything under it (and the page nothing). */
export const API_PREFIX = '/api';

/** Everything in Config but what only the process itself uses (where to listen, how many workers). */
export type AppConfig = Omit<Config, 'port' | 'host' | 'logLevel' | 'workers' | 'tls'>;

export interface AppDeps {
  config: AppConfig;
  stores: Stores;
  /** Source of "now" for challenges, freshness and session expiry. */
  clock: Clock;
  /** CSPRNG: sids, session ids, bindings, request ids. */
  random: (length: number) => Uint8Array;
  logger: Logger;
  /**
   * Signer recovery at login.
   * @default loadRecoverAddress().recover: native libsecp256k1 when it loads, else pure JavaScript
   */
  recover?: RecoverAddress;
  /**
   * Where sign-outs are announced to the live-session sockets of every instance.
   * @default events within this process only
   */
  events?: SessionEvents;
  /** @default a registry of its own, without process metrics */
  metrics?: Metrics;
  /**
   * Checks contract-wallet signatures (ERC-1271, ERC-6492) on the chain: main.ts makes it from
   * RPC_URLS and has it check each RPC's chain first (start()).
   * @default one with no RPC: a signature that is not a key pair's is 401 signature_invalid, saying contract wallets need RPC_URLS
   */
  contractWallets?: ContractWalletVerifier;
  /**
   * Whether this process is the only one on its stores (the embedded store and no WORKERS
   * cluster): then requests per IP are counted in its memory (createRateLimits' ipInProcess).
   * @default false
   */
  soleProcess?: boolean;
}

/**
 * Session cookie name: `__Host-` prefixed (Secure, Path=/, no Domain) whenever served over TLS;
 * `__Secure-` when it is shared with the subdomains of COOKIE_DOMAIN (a Domain attribute).
 */
export function sessionCookieName(secure: boolean, cookieDomain?: string): string {
  if (!secure) return 'wl.sid';
  return cookieDomain === undefined ? '__Host-wl.sid' : '__Secure-wl.sid';
}

export function createApp({
  config, stores, clock, random, logger, recover = loadRecoverAddress().recover,
  events = createLocalSessionEvents(), metrics = createMetrics({ stores, instanceId: config.instanceId }),
  contractWallets = createContractWalletVerifier({ rpcUrls: [], timeoutMs: config.rpcTimeoutMs }), soleProcess = false,
}: AppDeps): Koa {
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustProxy ? 1 : 0 });
  // The session cookie's signing keys (newest first), checked without Keygrip's extra HMACs.
  const cookieKeys = createCookieKeys(config.sessionKeys);
  app.keys = cookieKeys;
  const publicUrl = new URL(config.publicOrigin);
  const secure = publicUrl.protocol === 'https:';
  const allowedOrigins = new Set(config.allowedOrigins);

  // Every route is on one router, matched case-sensitively: a path either names a route exactly,
  // and then passes every guard mounted with it, or is answered 404 (405 with Allow when only the
  // method is wrong) without reaching any handler.
  const api = new Router({ prefix: API_PREFIX, sensitive: true });
  // Guards of every API route: cross-site refusal, then JSON bodies only.
  api.use(refuseCrossSite(config.allowedOrigins), jsonBody());
  api.use(
    metaRoutes({
      domain: publicUrl.host,
      uri: config.publicOrigin,
      chainId: config.chainId,
      registration: config.registration,
      devKeySignIn: config.devKeySignIn,
      challengeFormats: config.challengeFormats,
      returnOrigins: [...new Set([config.publicOrigin, ...config.allowedOrigins])],
      ...(config.cookieDomain !== undefined ? { cookieDomain: config.cookieDomain } : {}),
    }).routes(),
    openApiRoutes().routes(),
  );
  // /api/ws is a WebSocket (server/liveSession.ts); a plain GET is told so.
  api.get('/ws', requireUpgrade);
  const audit = createAudit({ stores, clock, instanceId: config.instanceId, logger });
  const signIn = signInRoutes({
    stores,
    clock,
    random,
    domain: publicUrl.host,
    uri: config.publicOrigin,
    chainId: config.chainId,
    statement: config.statement,
    formats: config.challengeFormats,
    siteOrigins: config.allowedOrigins,
    registration: config.registration,
    challengeTtlMs: config.challengeTtlMs,
    clockSkewMs: config.clockSkewMs,
    limits: createRateLimits(stores, {
      ipPerMinute: config.rateLimitIpPerMinute,
      addressFailuresPerHour: config.rateLimitAddressFailuresPerHour,
      ipInProcess: soleProcess,
    }),
    maxChallengesPerSession: config.maxChallengesPerSession,
    maxChallenges: config.maxChallenges,
    recover,
    contractWallets,
    audit,
    // A challenge for an OpenID Connect interaction lists where that sign-in goes on to. (oidc is
    // made below, with the session options; this runs only at requests.)
    resourcesFor: (uid) => oidc.resourcesFor(uid),
  });
  const sessionOptions: SessionLayerOptions = {
    store: stores.sessions,
    clock,
    random,
    events,
    cookieName: sessionCookieName(secure, config.cookieDomain),
    secure,
    ...(config.cookieDomain !== undefined ? { domain: config.cookieDomain } : {}),
    idleMs: config.sessionIdleMs,
    absoluteMs: config.sessionAbsoluteMs,
    contractWallets,
    contractWalletRecheckMs: config.contractWalletRecheckMs,
  };
  const sessionLayer = createSessionLayer(app, sessionOptions);
  // Forward auth reads the session without the layer (which would rewrite it): before it.
  api.use(forwardAuthRoutes({ sessions: stores.sessions, clock, cookieName: sessionOptions.cookieName, keys: cookieKeys, idleMs: config.sessionIdleMs, contractWalletRecheckMs: config.contractWalletRecheckMs }).routes());
  // The session (a store read) only for the routes that use it.
  api.use('/auth', sessionLayer, signIn.routes(), sessionRoutes({ audit }).routes());
  // The OpenID Connect provider under /oidc, and the sign-in page's API for it under /api/oidc.
  const oidc = createOidc({ config, stores, clock, logger, events, session: sessionOptions });
  api.use('/oidc', sessionLayer, oidcRoutes(oidc).routes());

  const router = new Router({ sensitive: true });
  router.use(
    opsRoutes({
      stores,
      rpcs: contractWallets,
      // Never public without a token: otherwise /metrics is on the metrics listener.
      ...(config.metrics.serve === 'public'
        ? { metrics: { render: () => metrics.render(), contentType: metrics.registry.contentType }, metricsToken: config.metrics.token }
        : {}),
    }).routes(),
    api.routes(),
  );

  // Errors Koa meets after the answer has started (a file streaming to a browser that went away
  // mid-download): logged through the logger, a client's hang-up only at debug, never Koa's
  // default console output.
  app.on('error', (err: unknown, ctx?: Koa.Context) => {
    const code = (err as { code?: unknown } | null)?.code;
    const hungUp = code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED';
    logger[hungUp ? 'debug' : 'error']({ err, reqId: ctx?.state.requestId, method: ctx?.method, path: ctx?.path }, hungUp ? 'client went away mid-answer' : 'error after the answer started');
  });
  app.use(requestLogger(logger, random));
  app.use(metricsMiddleware(metrics));
  app.use(errorHandler(logger));
  app.use(securityHeaders({ publicHttps: secure }));
  app.use(noStore);
  // Before CORS: the provider answers its own preflights, for its clients' origins.
  app.use(oidc.middleware);
  app.use(
    cors({
      // An exact allowlist: @koa/cors would otherwise reflect any Origin with credentials. It
      // grants reads only; what a request may change is the guards' to decide.
      origin: (ctx) => (allowedOrigins.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
      credentials: true,
      allowMethods: ['GET', 'HEAD', 'POST', 'DELETE'],
      allowHeaders: ['Content-Type'],
      maxAge: 600,
    }),
  );
  app.use(router.routes());
  app.use(router.allowedMethods());
  // The sign-in page, for every path the router does not answer (never one under API_PREFIX).
  app.use(serveWeb({ root: config.webDir ?? DEFAULT_WEB_DIR, apiPrefix: API_PREFIX }));
  return app;
}

export interface MetricsAppDeps {
  /** The metrics to serve: this process's, or a cluster's aggregated by its primary. */
  metrics: MetricsSource;
  logger: Logger;
}

/**
 * The metrics listener's app (main.ts serves it on METRICS_HOST:METRICS_PORT, 127.0.0.1 by
 * default): GET /metrics and GET /healthz, with the API's error answers and headers.
 */
export function createMetricsApp({ metrics, logger }: MetricsAppDeps): Koa {
  const app = new Koa();
  const router = opsRoutes({ metrics });
  app.use(errorHandler(logger));
  app.use(securityHeaders({ publicHttps: false }));
  app.use(noStore);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
