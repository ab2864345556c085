// One serving process: the Koa app on an http or https server, with the live-session WebSocket on
// the same port. main.ts runs it once per process (each cluster worker included); tests run it
// in-process on an ephemeral port.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp, sessionCookieName, type AppConfig } from '../app';
import { HTTP_DEFAULTS, type HttpSettings } from '../config';
import type { SessionEvents } from '../events/types';
import type { Metrics } from '../metrics';
import type { Clock, Stores } from '../stores/types';
import { attachLiveSessions, type LiveSessions } from './liveSession';
import type { TlsCredentials } from './tls';

/**
 * How often Node looks for requests past their headers or request timeout (its default, 30 s,
 * would let a slow client hold a connection that long past the bound).
 */
export const CONNECTIONS_CHECK_MS = 1000;

export interface ServeOptions {
  /** The app's settings; a function is given the URL the server listens on (tests: ephemeral ports). */
  config: AppConfig | ((url: string) => AppConfig);
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** HTTPS with this certificate; plain HTTP when absent. */
  tls?: TlsCredentials;
  /** Limits on slow and idle clients. @default HTTP_DEFAULTS (10 s headers, 30 s request, 5 s keep-alive) */
  http?: HttpSettings;
  stores: Stores;
  events: SessionEvents;
  metrics: Metrics;
  clock: Clock;
  random: (length: number) => Uint8Array;
  logger: Logger;
  /** Live-session re-check period, ms. @default 10000 */
  liveSessionRecheckMs?: number;
}

export interface Serving {
  server: HttpServer | HttpsServer;
  /** The address it listens on, as a URL (`http://127.0.0.1:PORT`; brackets for IPv6). */
  url: string;
  port: number;
  liveSessions: LiveSessions;
  /**
   * Stops taking connections, closes live-session sockets (1001), lets requests in flight finish
   * (at most `graceMs`), then drops what is left. The stores, events and metrics stay open.
   */
  close(graceMs?: number): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Serving> {
  const { tls, stores, events, metrics, clock, random, logger } = options;
  const http = options.http ?? HTTP_DEFAULTS;
  // Slow clients (slowloris: a header byte now and then) and idle connections hold a socket and
  // memory each; a login server's requests are small, so they get seconds, not Node's minutes
  // (RFC 9112 §9.5: a server may close an inactive connection). Behind nginx, its upstream
  // keepalive_timeout (deploy/nginx.conf) is shorter than keepAliveTimeout, so the proxy closes an
  // idle connection first and never reuses one the server is closing.
  const limits = {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, http.headersTimeoutMs),
  };
  const server: HttpServer | HttpsServer = tls
    ? // A TLS handshake comes before any header: it gets the headers timeout (Node's own: 120 s).
      createHttpsServer({ ...limits, handshakeTimeout: http.headersTimeoutMs, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' })
    : createHttpServer(limits);

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${urlHost}:${port}`;

  // Attached in the same tick as the listen callback, before any connection can be read.
  const config = typeof options.config === 'function' ? options.config(url) : options.config;
  const app = createApp({ config, stores, clock, random, logger, events, metrics });
  server.on('request', app.callback());
  const secure = new URL(config.publicOrigin).protocol === 'https:';
  const liveSessions = attachLiveSessions({
    server,
    app,
    sessions: stores.sessions,
    events,
    clock,
    cookieName: sessionCookieName(secure, config.cookieDomain),
    allowedOrigins: config.allowedOrigins,
    logger,
    metrics,
    ...(options.liveSessionRecheckMs !== undefined ? { recheckMs: options.liveSessionRecheckMs } : {}),
  });

  return {
    server,
    url,
    port,
    liveSessions,
    async close(graceMs = 5000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await liveSessions.close();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
