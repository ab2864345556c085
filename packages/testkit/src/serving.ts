// Test helpers for the serving layer: the real server (serve(): app, http or https, live-session
// WebSocket) in-process on an ephemeral 127.0.0.1 port over a temporary SQLite file and a pinned
// clock; a fetch that trusts a test certificate; a WebSocket client that waits for what it hears.

import { randomBytes } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { WebSocket } from 'ws';
import type { AppConfig } from '@wallet-login/api/app';
import type { ContractWalletVerifier } from '@wallet-login/api/chain';
import { createLocalSessionEvents } from '@wallet-login/api/events/local';
import type { SessionEvents } from '@wallet-login/api/events/types';
import { createMetrics, type Metrics } from '@wallet-login/api/metrics';
import { createTestClock, type MutableClock } from './clock';
import { openSqliteStores } from '@wallet-login/api/stores/sqlite/index';
import type { Stores } from '@wallet-login/api/stores/types';
import { TEST_START_TIME, testAppConfig } from './testServer';
import { serve, type Serving } from '@wallet-login/api/server/serve';
import type { TlsCredentials } from '@wallet-login/api/server/tls';

export interface StartServingOptions {
  /** Settings over the test defaults; a function gets the server's own URL. */
  config?: Partial<AppConfig> | ((url: string) => Partial<AppConfig>);
  tls?: TlsCredentials;
  /** Share another server's stores (two instances on one database). @default a new SQLite file */
  stores?: Stores;
  /** @default events within this server only */
  events?: SessionEvents;
  /** @default a pinned clock at TEST_START_TIME */
  clock?: MutableClock;
  /** @default 10000 */
  liveSessionRecheckMs?: number;
  /** @default silent */
  logger?: Logger;
  /** Checks contract-wallet signatures on a chain. @default none: key pairs only */
  contractWallets?: ContractWalletVerifier;
}

export interface TestServing {
  /** `http(s)://127.0.0.1:PORT`, also the public origin unless the config says otherwise. */
  url: string;
  config: AppConfig;
  clock: MutableClock;
  stores: Stores;
  events: SessionEvents;
  metrics: Metrics;
  serving: Serving;
  close(): Promise<void>;
}

export async function startServing(options: StartServingOptions = {}): Promise<TestServing> {
  const dataDir = options.stores ? undefined : mkdtempSync(join(tmpdir(), 'wallet-login-serve-'));
  const clock = options.clock ?? createTestClock(TEST_START_TIME);
  const stores = options.stores ?? openSqliteStores({ file: join(dataDir!, 'wallet-login.sqlite'), clock });
  const events = options.events ?? createLocalSessionEvents();
  const metrics = createMetrics({ stores, instanceId: 'test-instance' });
  let config: AppConfig | undefined;
  const serving = await serve({
    config: (url) => {
      const overrides = typeof options.config === 'function' ? options.config(url) : (options.config ?? {});
      config = testAppConfig(overrides.publicOrigin ?? url, overrides);
      return config;
    },
    ...(options.tls ? { tls: options.tls } : {}),
    stores,
    events,
    metrics,
    clock,
    random: (n) => randomBytes(n),
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.liveSessionRecheckMs !== undefined ? { liveSessionRecheckMs: options.liveSessionRecheckMs } : {}),
    ...(options.contractWallets ? { contractWallets: options.contractWallets } : {}),
  });
  return {
    url: serving.url,
    config: config!,
    clock,
    stores,
    events,
    metrics,
    serving,
    async close() {
      await serving.close(0);
      if (!options.events) await events.close();
      if (!options.stores) {
        await stores.close();
        rmSync(dataDir!, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A fetch over node:https that trusts `ca` (a test certificate), for the SDK's `fetch` option:
 * Node's global fetch takes no CA. Supports what the SDK sends: method, headers, a string body.
 */
export function fetchTrusting(ca: string): typeof globalThis.fetch {
  // Connections are kept alive, as fetch keeps them (and as a browser would).
  const agent = new Agent({ ca, keepAlive: true });
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      const req = httpsRequest(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, item);
          }
          const status = res.statusCode ?? 500;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers: responseHeaders }));
        });
      });
      req.on('error', reject);
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
}

export interface LiveSessionClient {
  ws: WebSocket;
  /** Every message heard so far, parsed. */
  messages: unknown[];
  /** Resolves with the next message not yet taken (or one heard already). */
  next(): Promise<unknown>;
  /** Resolves when the socket closes, with its code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface ConnectOptions {
  /** ws:// or wss:// URL of /api/ws. */
  url: string;
  /** Cookie header value. */
  cookie?: string;
  origin?: string;
  /** Certificate to trust for wss. */
  ca?: string;
}

/** Opens a live-session socket; rejects with the HTTP status and body when the upgrade is refused. */
export function connectLiveSession({ url, cookie, origin, ca }: ConnectOptions): Promise<LiveSessionClient> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  const ws = new WebSocket(url, { headers, ...(origin ? { origin } : {}), ...(ca ? { ca } : {}) });
  const messages: unknown[] = [];
  const waiting: Array<(message: unknown) => void> = [];
  let taken = 0;
  ws.on('message', (data: Buffer) => {
    const message: unknown = JSON.parse(data.toString('utf8'));
    messages.push(message);
    const waiter = waiting.shift();
    if (waiter) {
      taken += 1;
      waiter(message);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        closed,
        next: () =>
          new Promise((resolveNext) => {
            if (taken < messages.length) resolveNext(messages[taken++]);
            else waiting.push(resolveNext);
          }),
      }),
    );
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
        const error = Object.assign(new Error(`upgrade refused with ${res.statusCode}`), {
          status: res.statusCode,
          headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown,
        });
        reject(error);
      });
    });
    ws.once('error', reject);
  });
}

/** The refusal `promise` rejects with (status and JSON body; headers kept apart); fails the test when it opens. */
export async function refusal(promise: Promise<LiveSessionClient>): Promise<{ status: number; body: unknown }> {
  const { status, body } = await refusalWithHeaders(promise);
  return { status, body };
}

/** refusal() with the answer's headers. */
export async function refusalWithHeaders(promise: Promise<LiveSessionClient>): Promise<{ status: number; headers: Headers; body: unknown }> {
  const result = await promise.then(
    (client) => {
      client.ws.terminate();
      throw new Error('the upgrade was accepted');
    },
    (error: { status?: number; headers?: Headers; body?: unknown }) => error,
  );
  if (typeof result.status !== 'number') throw new Error(`expected an HTTP refusal, got ${String(result)}`);
  return { status: result.status, headers: result.headers ?? new Headers(), body: result.body };
}

/** http(s)://host:port → ws(s)://host:port/api/ws */
export function liveSessionUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/api/ws`;
}

/**
 * Retries `check` until it passes (every 10 ms, at most `timeoutMs`), for outcomes another
 * process or socket reaches on its own; rethrows its last failure.
 */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
