// Test helpers: small servers an RPC URL can point at, to see what the contract-wallet checks do
// with each kind of RPC.
//   startCountingProxy  forwards JSON-RPC to a real node and records each request's methods;
//                       hang() makes it hold later requests open and answer nothing
//   startSilentServer   accepts TCP connections and never answers (a stuck node, a partition)
//   startScriptedRpc    answers every request with a fixed HTTP status / JSON-RPC body

import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';

export interface CountingProxy {
  readonly url: string;
  readonly port: number;
  /** Every HTTP request received, as the JSON-RPC methods it carried (a batch has several). */
  readonly requests: string[][];
  /** All methods, flattened, in order. */
  methods(): string[];
  reset(): void;
  /** From now on, requests are recorded and held open, never answered (a stuck node). */
  hang(): void;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });

const listen = (server: Server | ReturnType<typeof createTcpServer>, port = 0) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });

/** An HTTP JSON-RPC proxy to `target` on `port` (default: any free one) that records what passes. */
export async function startCountingProxy(target: string, port?: number): Promise<CountingProxy> {
  const requests: string[][] = [];
  let hung = false;
  const server = createHttpServer(async (request, response) => {
    const body = await readBody(request);
    let methods: string[] = ['(not JSON)'];
    try {
      const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
      methods = (Array.isArray(parsed) ? parsed : [parsed]).map((call) => String(call.method));
    } catch {
      // recorded as not JSON
    }
    requests.push(methods);
    if (hung) return;
    try {
      const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      response.end(await upstream.text());
    } catch {
      response.writeHead(502).end();
    }
  });
  const bound = await listen(server, port);
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    requests,
    methods: () => requests.flat(),
    reset: () => {
      requests.length = 0;
    },
    hang: () => {
      hung = true;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface SilentServer {
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Accepts connections and reads what arrives, answering nothing, ever. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() { return connections; },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

export interface ScriptedRpc {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Answers `eth_chainId` with `chainId` (so the chain check passes) and every other request with
 * `answer(id)`: an HTTP status, body and content type (default JSON).
 */
export async function startScriptedRpc({ chainId, answer }: { chainId: number; answer: (id: unknown) => { status: number; body: string; contentType?: string } }): Promise<ScriptedRpc> {
  const server = createHttpServer(async (request, response) => {
    const body = await readBody(request);
    const call = JSON.parse(body) as { id: unknown; method: string };
    if (call.method === 'eth_chainId') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: `0x${chainId.toString(16)}` }));
      return;
    }
    const { status, body: text, contentType = 'application/json' } = answer(call.id);
    response.writeHead(status, { 'content-type': contentType });
    response.end(text);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
