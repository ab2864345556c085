// GET /api/ws: the live session. A WebSocket (wss behind TLS) that tells the page who is signed in
// and, the moment that session ends anywhere (logout, revoke or logout-all on any instance), sends
// `{ "type": "signed_out" }` and closes, so the page switches to its signed-out view at once.
//
// The upgrade is authenticated like any API call: the signed session cookie, looked up in the
// session store, must hold a signed-in, unexpired session. Browsers send Origin on every WebSocket
// handshake and cookies ride along cross-site, so the Origin is checked against the allowlist
// (cross-site WebSocket hijacking). Refusals are plain HTTP answers before any upgrade.

import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError, ERROR_STATUS, type ApiErrorCode } from '../errors';
import type { SessionEvents, SignedOutEvent } from '../events/types';
import type { Metrics } from '../metrics';
import { sessionStoreKey } from '../middleware/session';
import type { Clock, SessionData, SessionStore } from '../stores/types';

export const LIVE_SESSION_PATH = '/api/ws';

/** What the server sends; the client sends nothing (anything it sends is ignored). */
export type LiveSessionMessage = { type: 'signed_in'; address: string } | { type: 'signed_out' };

/** Close code after `signed_out` (RFC 6455 §7.4.1: 1000, the purpose is fulfilled). */
export const SIGNED_OUT_CLOSE_CODE = 1000;

/** Open sockets one session may hold on one instance (tabs of one browser); more are refused with 429. */
export const MAX_SOCKETS_PER_SESSION = 16;

export interface LiveSessionOptions {
  server: HttpServer | HttpsServer;
  /** The Koa app: its keys verify the signed cookie and its proxy setting gives the request's own origin. */
  app: Koa;
  sessions: Pick<SessionStore, 'get'>;
  events: SessionEvents;
  clock: Clock;
  /** The session cookie's name (as the session middleware sets it). */
  cookieName: string;
  /** Origins whose pages may connect, besides the request's own origin. */
  allowedOrigins: readonly string[];
  logger: Logger;
  metrics?: Pick<Metrics, 'liveSockets'>;
  /**
   * How often each socket re-reads its session from the store: catches sessions that end without
   * an event (expiry, another process without a shared event channel, a lost event).
   * @default 10000
   */
  recheckMs?: number;
  /**
   * How often the server pings; a socket that has not answered the previous ping is dropped.
   * Also keeps proxies (nginx proxy_read_timeout) from closing an idle connection.
   * @default 25000
   */
  pingMs?: number;
}

export interface LiveSessions {
  /** Open sockets. */
  count(): number;
  /** Closes every socket (1001 going away) and stops listening for upgrades. */
  close(): Promise<void>;
}

interface Socket {
  ws: WebSocket;
  storeKey: string;
  address: string;
  /** Ends the socket with signed_out; idempotent. */
  signOut(): void;
  /** Reads the session from the store and signs out if it is gone. */
  recheck(): Promise<void>;
}

export function attachLiveSessions(options: LiveSessionOptions): LiveSessions {
  const { server, app, sessions, events, clock, cookieName, logger, metrics } = options;
  const recheckMs = options.recheckMs ?? 10_000;
  const pingMs = options.pingMs ?? 25_000;
  const allowed = new Set(options.allowedOrigins);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024, clientTracking: false });
  const byKey = new Map<string, Set<Socket>>();
  const byAddress = new Map<string, Set<Socket>>();
  let open = 0;

  const index = <K>(map: Map<K, Set<Socket>>, key: K, socket: Socket, add: boolean): void => {
    const set = map.get(key) ?? new Set<Socket>();
    if (add) set.add(socket);
    else set.delete(socket);
    if (set.size === 0) map.delete(key);
    else map.set(key, set);
  };

  const unsubscribe = events.subscribe((event: SignedOutEvent) => {
    if (event.storeKey !== undefined) {
      // A storeKey names one session, never reused (a 256-bit random id): it has ended.
      for (const socket of byKey.get(event.storeKey) ?? []) socket.signOut();
    } else {
      // Address-wide: the store says which of this address's sessions are gone.
      for (const socket of byAddress.get(event.address) ?? []) void socket.recheck();
    }
  });

  const isLive = (data: SessionData | undefined): data is SessionData & { address: string } =>
    data !== undefined &&
    typeof data.address === 'string' &&
    data.address !== '' &&
    (typeof data.absoluteExpiresAt !== 'number' || data.absoluteExpiresAt > clock.now());

  const onUpgrade = (req: IncomingMessage, duplex: Duplex, head: Buffer): void => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== LIVE_SESSION_PATH) return refuse(duplex, 'not_found', 'No such resource.');
    authenticate(req)
      .then((result) => {
        if ('refusal' in result) return refuse(duplex, result.refusal, result.message);
        wss.handleUpgrade(req, duplex, head, (ws) => accept(ws, result.storeKey, result.address));
      })
      .catch((err: unknown) => {
        logger.error({ err, path }, 'live session upgrade failed');
        refuse(duplex, 'service_unavailable', 'The session store cannot be reached; try again shortly.');
      });
  };

  const authenticate = async (
    req: IncomingMessage,
  ): Promise<{ storeKey: string; address: string } | { refusal: ApiErrorCode; message: string }> => {
    // A Koa context (never responded through) reads the signed cookie with the app's keys and
    // knows the request's own origin, honouring TRUST_PROXY as the HTTP API does.
    const ctx = app.createContext(req, new ServerResponse(req));
    const origin = ctx.get('Origin');
    if (origin && !allowed.has(origin) && origin !== `${ctx.protocol}://${ctx.host}`) {
      return { refusal: 'origin_forbidden', message: 'Cross-site requests to this endpoint are not allowed.' };
    }
    const id = ctx.cookies.get(cookieName, { signed: true });
    if (!id) return { refusal: 'unauthenticated', message: 'Not signed in.' };
    const storeKey = sessionStoreKey(id);
    const data = await sessions.get(storeKey);
    if (!isLive(data)) return { refusal: 'unauthenticated', message: 'Not signed in.' };
    if ((byKey.get(storeKey)?.size ?? 0) >= MAX_SOCKETS_PER_SESSION) {
      return { refusal: 'rate_limited', message: 'Too many live-session connections for this session.' };
    }
    return { storeKey, address: data.address };
  };

  const accept = (ws: WebSocket, storeKey: string, address: string): void => {
    let ended = false;
    let alive = true;
    const send = (message: LiveSessionMessage): void => ws.send(JSON.stringify(message));
    const socket: Socket = {
      ws,
      storeKey,
      address,
      signOut() {
        if (ended) return;
        ended = true;
        if (ws.readyState !== WebSocket.OPEN) return;
        send({ type: 'signed_out' });
        ws.close(SIGNED_OUT_CLOSE_CODE, 'signed_out');
      },
      async recheck() {
        if (ended) return;
        let data: SessionData | undefined;
        try {
          data = await sessions.get(storeKey);
        } catch {
          return; // a store hiccup is not a sign-out; the next check decides
        }
        if (!isLive(data) || data.address !== address) socket.signOut();
      },
    };

    open += 1;
    metrics?.liveSockets.inc();
    index(byKey, storeKey, socket, true);
    index(byAddress, address, socket, true);
    const recheckTimer = setInterval(() => void socket.recheck(), recheckMs);
    const pingTimer = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, pingMs);
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      ended = true;
      clearInterval(recheckTimer);
      clearInterval(pingTimer);
      index(byKey, storeKey, socket, false);
      index(byAddress, address, socket, false);
      open -= 1;
      metrics?.liveSockets.dec();
    });
    logger.debug('live session opened');
    send({ type: 'signed_in', address });
    // The session may have ended between the handshake's check and now.
    void socket.recheck();
  };

  server.on('upgrade', onUpgrade);

  return {
    count: () => open,
    async close() {
      server.off('upgrade', onUpgrade);
      unsubscribe();
      const closing: Array<Promise<void>> = [];
      for (const set of byKey.values()) {
        for (const { ws } of set) {
          closing.push(new Promise((resolve) => ws.once('close', () => resolve())));
          ws.close(1001, 'server shutting down');
          setTimeout(() => ws.terminate(), 1000).unref();
        }
      }
      await Promise.all(closing);
      wss.close();
    },
  };
}

/** Answers a refused upgrade with the API's error body, then hangs up. */
function refuse(duplex: Duplex, code: ApiErrorCode, message: string): void {
  if (!duplex.writable) return void duplex.destroy();
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ error: { code, message } });
  duplex.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/**
 * The HTTP side of GET /api/ws (mounted under /api as GET /ws): a plain request (no upgrade) is
 * told to upgrade instead of getting a 404, so the route exists for clients and for the API
 * description. Upgrades never reach it: the server's upgrade listener takes them.
 */
export const requireUpgrade: Koa.Middleware = () => {
  throw new ApiError('invalid_request', 'Connect with a WebSocket upgrade (GET with Upgrade: websocket).');
};
