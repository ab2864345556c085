// Test helpers for the serving-layer fault tests: HTTP clients as real ones behave (a keep-alive
// connection pool that reuses sockets, as node's Agent, undici and browsers do) that record how
// every request ended, and raw TCP connections that stall or drip bytes as slow clients do.

import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** How one request ended. */
export interface RequestOutcome {
  method: string;
  path: string;
  /** performance.now() when it was sent and when it ended. */
  start: number;
  end: number;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** The error code when none came: ECONNREFUSED, ECONNRESET (also "socket hang up"), EPIPE, ... */
  error?: string;
  /** It went out on a socket an earlier request had used (node's `req.reusedSocket`). */
  reused: boolean;
  /** The answer said `Connection: close`. */
  connectionClose: boolean;
}

export interface RecordingClient {
  /** A fetch for the SDK's `fetch` option (method, headers, string body, signal). */
  fetch: typeof globalThis.fetch;
  /** Every request so far, in the order they ended. */
  outcomes: RequestOutcome[];
  /** Closes the pooled sockets. */
  close(): void;
}

/** A client with its own keep-alive pool (node's http Agent, `keepAlive: true`). */
export function createRecordingClient(): RecordingClient {
  const agent = new Agent({ keepAlive: true });
  const outcomes: RequestOutcome[] = [];
  const fetch: typeof globalThis.fetch = (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const method = init.method ?? 'GET';
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      const start = performance.now();
      let settled = false;
      const record = (outcome: Pick<RequestOutcome, 'status' | 'error' | 'connectionClose'>): void => {
        if (settled) return;
        settled = true;
        outcomes.push({ method, path: url.pathname, start, end: performance.now(), reused: req.reusedSocket, ...outcome });
      };
      const req = request(url, { method, headers, agent, signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) => {
          record({ error: error.code ?? error.message, connectionClose: false });
          reject(error);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          record({ status, connectionClose: /\bclose\b/i.test(res.headers.connection ?? '') });
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, item);
          }
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        record({ error: error.code ?? error.message, connectionClose: false });
        reject(error);
      });
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
  return { fetch, outcomes, close: () => agent.destroy() };
}

/** A raw connection the test holds open, writing only what it is told to. */
export interface RawConnection {
  socket: Socket;
  /** performance.now() when it connected. */
  openedAt: number;
  /** Resolves with performance.now() when the server closed it (or it failed). */
  closed: Promise<number>;
  /** What the server sent, as text. */
  received(): string;
}

export interface OpenRawConnectionOptions {
  port: number;
  /** Sent at once on connecting (a request's complete headers, say). */
  head?: string;
  /**
   * Bytes to send one at a time, one every `dripMs`, then nothing more: a slow client (slowloris)
   * that never finishes its request. Neither this nor `head`: an idle connection.
   */
  drip?: string;
  /** @default 1000 */
  dripMs?: number;
}

/** Opens a TCP connection to 127.0.0.1:`port`; resolves once connected. */
export function openRawConnection({ port, head, drip, dripMs = 1000 }: OpenRawConnectionOptions): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<number>((resolveClosed) => {
      socket.once('close', () => {
        clearInterval(timer);
        resolveClosed(performance.now());
      });
    });
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    // A reset after the server gave up on us is a close too; the time is what counts.
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      const openedAt = performance.now();
      if (head !== undefined) socket.write(head);
      if (drip !== undefined) {
        let next = 0;
        const send = (): void => {
          if (next < drip.length && socket.writable) socket.write(drip[next++]!);
        };
        send();
        timer = setInterval(send, dripMs);
      }
      resolve({ socket, openedAt, closed, received: () => text });
    });
    socket.once('error', reject);
  });
}
