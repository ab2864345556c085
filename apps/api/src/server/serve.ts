// One serving process: the Koa app on an http or https server, with the live-session WebSocket on
// the same port. main.ts runs it once per process (each cluster worker included); tests run it
// in-process on an ephemeral port.

import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { createApp, sessionCookieName, type AppConfig } from '../app';
import { HTTP_DEFAULTS, type HttpSettings } from '../config';
import type { SessionEvents } from '../events/types';
import type { Metrics } from '../metrics';
import type { ContractWalletVerifier } from '../chain';
import type { Clock, Stores } from '../stores/types';
import { attachLiveSessions, type LiveSessions } from './liveSession';
import type { TlsCredentials } from './tls';

/**
 * How often Node looks for requests past their headers or request timeout (its default, 30 s,
 * would let a slow client hold a connection that long past the bound).
 */
export const CONNECTIONS_CHECK_MS = 1000;
/** How often a drain looks for connections gone idle. */
const DRAIN_POLL_MS = 100;

export interface ServeOptions {
  /** The app's settings; a function is given the URL the server listens on (tests: ephemeral ports). */
  config: AppConfig | ((url: string) => AppConfig);
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * false: listen on nothing; connections come through Serving.accept (a cluster worker's, from
   * its primary, which listens on port and host).
   * @default true
   */
  listen?: boolean;
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
  /** Contract-wallet checks (createApp's). @default none: only key-pair accounts sign in */
  contractWallets?: ContractWalletVerifier;
  /** The only process on its stores (createApp's). @default false */
  soleProcess?: boolean;
}

export interface Serving {
  server: HttpServer | HttpsServer;
  /** The address it listens on (or its primary does), as a URL (`http://127.0.0.1:PORT`; brackets for IPv6). */
  url: string;
  port: number;
  liveSessions: LiveSessions;
  /** Serves a connection accepted elsewhere (by a cluster primary); after a drain, drops it. */
  accept(socket: Socket): void;
  /**
   * Drains: stops taking connections, closes live-session sockets (1001 going away), answers
   * every request still arriving on open connections with `Connection: close`, closes keep-alive
   * connections that stay idle for half of `graceMs` (at most the keep-alive timeout), and drops
   * whatever is left at `graceMs`. Resolves once every connection is closed. The stores, events
   * and metrics stay open.
   * @default graceMs 5000
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

  const connections = trackConnections(server);
  const host = options.host ?? '127.0.0.1';
  let port = options.port ?? 0;
  if (options.listen ?? true) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    port = (server.address() as AddressInfo).port;
  } else {
    // Node starts enforcing headersTimeout and requestTimeout (and tracking the connections that
    // closeIdleConnections sees) on 'listening', which a server handed its connections never
    // emits by itself.
    server.emit('listening');
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${urlHost}:${port}`;

  // Attached in the same tick as the listen callback, before any connection can be read.
  const config = typeof options.config === 'function' ? options.config(url) : options.config;
  const app = createApp({ config, stores, clock, random, logger, events, metrics, ...(options.contractWallets ? { contractWallets: options.contractWallets } : {}), soleProcess: options.soleProcess ?? false });
  const responses = trackResponses(server);
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

  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    port,
    liveSessions,
    accept(socket) {
      if (connections.closed) return void socket.destroy();
      // The documented way to hand an http(s) server a connection; one accepted paused
      // (pauseOnConnect, so the acceptor read none of it) is read from here on.
      server.emit('connection', socket);
      socket.resume();
    },
    close(graceMs = 5000) {
      // Once: a second call (a second signal, a test's cleanup) waits for the same drain.
      closing ??= drain({ server, connections, responses, liveSessions, graceMs, keepAliveTimeoutMs: http.keepAliveTimeoutMs });
      return closing;
    },
  };
}

interface DrainOptions {
  server: HttpServer | HttpsServer;
  connections: Connections;
  responses: Responses;
  liveSessions: LiveSessions;
  graceMs: number;
  keepAliveTimeoutMs: number;
}

/** Serving.close(): see there. */
async function drain({ server, connections, responses, liveSessions, graceMs, keepAliveTimeoutMs }: DrainOptions): Promise<void> {
  responses.closeConnections();
  // Not server.close(): since Node 19 it also drops idle keep-alive connections at once, and a
  // client may be writing its next request on one at that moment: it gets a reset and cannot
  // tell whether that request (a login, say) was done (RFC 9112 §9.3.1, §9.6: closing a
  // persistent connection races the client's next request). Closing the listener alone leaves
  // them open, to answer what comes with Connection: close.
  if (server.listening) NetServer.prototype.close.call(server);
  const sockets = liveSessions.close();
  // A connection idle this long is not carrying a last request: closing it races no one.
  const idleGraceMs = Math.min(graceMs / 2, keepAliveTimeoutMs);
  const started = performance.now();
  const poll = setInterval(() => {
    if (performance.now() - started >= idleGraceMs) server.closeIdleConnections();
  }, Math.max(1, Math.min(DRAIN_POLL_MS, idleGraceMs)));
  const bound = setTimeout(() => connections.destroyAll(), graceMs);
  await Promise.all([connections.allClosed(), sockets]);
  connections.closed = true;
  clearInterval(poll);
  clearTimeout(bound);
  // Stops Node's connections check (the listener is closed already).
  server.close();
}

interface Connections {
  /** Resolves once no connection is open (live-session sockets included). */
  allClosed(): Promise<void>;
  /**
   * Drops every connection: what server.closeAllConnections() drops, and also those it does not
   * see (a TLS handshake under way, upgraded live-session sockets).
   */
  destroyAll(): void;
  /** Set once a drain is over: connections handed over later are dropped. */
  closed: boolean;
}

/** The open connections, accepted by the server's own listener or handed to it. */
function trackConnections(server: HttpServer | HttpsServer): Connections {
  const open = new Set<Socket>();
  let onEmpty: (() => void) | undefined;
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0) onEmpty?.();
    });
  });
  return {
    closed: false,
    destroyAll: () => {
      for (const socket of open) socket.destroy();
    },
    allClosed: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onEmpty = resolve))),
  };
}

interface Responses {
  /**
   * From now on every response says `Connection: close` and ends its connection once sent: those
   * under way whose headers are not out yet, and those of requests still to come.
   */
  closeConnections(): void;
}

/** Tracks the responses being made, for a drain. */
function trackResponses(server: HttpServer | HttpsServer): Responses {
  const open = new Set<ServerResponse>();
  let closing = false;
  // Node writes Connection: close and ends the socket after a response that should not keep
  // alive, whatever headers the app sets or clears (an error answer clears them).
  const close = (res: ServerResponse): void => {
    res.shouldKeepAlive = false;
  };
  // Registered before the app's listener, so it runs first for each request.
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) return close(res);
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  return {
    closeConnections() {
      closing = true;
      for (const res of open) if (!res.headersSent) close(res);
      open.clear();
    },
  };
}
