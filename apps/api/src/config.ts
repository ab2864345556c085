// Configuration: the one place that reads process.env. Parsed and validated once at start-up
// with zod; anything wrong stops the process with a list of what to fix.

import { randomBytes, randomFillSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { createDataDir } from './stores/dataDir';
import { AUDIT_QUEUE_MAX } from './stores/auditQueue';
import { rpcTimeoutMsSchema, rpcUrlsSchema, type RpcEndpoint } from './chain/rpc';
import { CHALLENGE_FORMATS, type ChallengeFormat } from '@wallet-login/challenge';

/** The wall clock: what main.ts and the CLIs inject; everything else receives a Clock. */
export const systemClock = { now: (): number => Date.now() };

/** The CSPRNG injected into the app. */
export const systemRandom = createPooledRandom(randomFillSync);

/**
 * Random bytes handed out from a pool the CSPRNG refills 4 KiB at a time, as Node's own
 * randomUUID does: a request takes three small draws (request id, challenge sid, session id), and
 * a call into the CSPRNG costs about as much for 9 bytes as for 4 KiB. Each answer is a copy, and
 * no byte is handed out twice. Large requests go to the CSPRNG directly.
 */
export function createPooledRandom(fill: (buffer: Uint8Array) => unknown, poolSize = 4096): (length: number) => Uint8Array {
  const pool = new Uint8Array(poolSize);
  let offset = poolSize;
  return (length) => {
    if (length > poolSize / 8) {
      const bytes = new Uint8Array(length);
      fill(bytes);
      return bytes;
    }
    if (offset + length > poolSize) {
      fill(pool);
      offset = 0;
    }
    const bytes = pool.slice(offset, offset + length);
    offset += length;
    return bytes;
  };
}

const integer = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const seconds = (fallback: number, min: number, max: number) => integer(min, max).default(fallback);
const flag = (fallback: '0' | '1') =>
  z.enum(['0', '1', 'false', 'true'], { error: 'must be 0, 1, false or true' }).default(fallback).transform((value) => value === '1' || value === 'true');
const url = (protocols: string[], example: string) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL like ${example}`);
const list = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

/**
 * The challenge forms issued: EIP-4361 always (the sign-in page asks for it), the JSON form only
 * when listed (see the README's Security section for what it gives up).
 */
const challengeFormats = z
  .string()
  .default('siwe')
  .transform((value, ctx) => {
    const formats = [...new Set(value.split(',').map((item) => item.trim()).filter(Boolean))];
    const unknown = formats.filter((format) => !(CHALLENGE_FORMATS as readonly string[]).includes(format));
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `"${unknown.join('", "')}" is not a challenge form (${CHALLENGE_FORMATS.join(', ')})` });
    else if (!formats.includes('siwe')) ctx.addIssue({ code: 'custom', message: 'must include siwe (EIP-4361, which the sign-in page asks for)' });
    return formats as ChallengeFormat[];
  });

/** An origin (`scheme://host[:port]`), normalised: lower-case, no default port, no path. */
const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    const pathless = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if ((url.protocol === 'http:' || url.protocol === 'https:') && pathless) return url.origin;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://app.example.com` });
  return z.NEVER;
});

/** The HTTP server's limits on slow and idle clients, when not configured. */
export const HTTP_DEFAULTS: HttpSettings = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000 };

const env = z.object({
  PORT: integer(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_ORIGIN: origin.optional(),
  ALLOWED_ORIGINS: list.pipe(z.array(origin)),
  CHAIN_ID: integer(1, Number.MAX_SAFE_INTEGER).default(1),
  REGISTRATION: z.enum(['open', 'closed']).default('open'),
  SIWE_STATEMENT: z.string().max(1024).regex(/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]*$/, 'letters, digits, spaces and URI punctuation only (EIP-4361)').default('Sign in with your Ethereum account.'),
  CHALLENGE_TTL_SECONDS: seconds(300, 10, 3600),
  CLOCK_SKEW_SECONDS: seconds(5, 0, 300),
  SESSION_IDLE_SECONDS: seconds(86_400, 60, 31_536_000),
  SESSION_ABSOLUTE_SECONDS: seconds(604_800, 60, 31_536_000),
  SESSION_KEYS: list.pipe(z.array(z.string().min(32, 'each session key needs at least 32 characters'))),
  TRUST_PROXY: flag('0'),
  METRICS: flag('1'),
  METRICS_PORT: integer(0, 65535).default(9464),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // RFC 6750 §2.1 b64token characters, so it goes into an Authorization header as it is.
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'letters, digits and - . _ ~ + / only (a bearer token)').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9._:{}-]{1,64}$/, 'letters, digits and . _ : - { } only, at most 64').default('wl:'),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://user@127.0.0.1:5432/wallet_login').optional(),
  STORE_TIMEOUT_MS: integer(50, 60_000).default(2000),
  AUDIT_QUEUE_MAX: integer(1, 10_000_000).default(AUDIT_QUEUE_MAX),
  WORKERS: z.union([z.literal('auto'), integer(1, 256)], { error: 'must be auto or a whole number from 1 to 256' }).default(1),
  TLS: z.enum(['off', 'self-signed', 'files']).optional(),
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  COOKIE_DOMAIN: z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain like example.com (lower case, no dot in front)').optional(),
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits and . _ : - only').optional(),
  WEB_DIR: z.string().min(1).optional(),
  DEV_KEY_SIGNIN: flag('0'),
  RATE_LIMIT_IP_PER_MINUTE: integer(1, 1_000_000_000).default(60),
  RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: integer(1, 1_000_000_000).default(20),
  MAX_CHALLENGES_PER_SESSION: integer(1, 1000).default(5),
  MAX_CHALLENGES: integer(1, 100_000_000).default(100_000),
  HTTP_HEADERS_TIMEOUT_MS: integer(100, 300_000).default(HTTP_DEFAULTS.headersTimeoutMs),
  HTTP_REQUEST_TIMEOUT_MS: integer(100, 600_000).default(HTTP_DEFAULTS.requestTimeoutMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(100, 600_000).default(HTTP_DEFAULTS.keepAliveTimeoutMs),
  SHUTDOWN_GRACE_MS: integer(0, 600_000).default(5000),
  CHALLENGE_FORMATS: challengeFormats,
  RPC_URLS: rpcUrlsSchema,
  RPC_TIMEOUT_MS: rpcTimeoutMsSchema,
  CONTRACT_WALLET_RECHECK_SECONDS: seconds(3600, 1, 31_536_000),
});

/** Everything the app needs, in ms and normalised forms. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The origin people use; gives the EIP-4361 domain and URI and whether cookies are Secure. */
  publicOrigin: string;
  /** Origins allowed credentialed cross-origin calls, publicOrigin included. */
  allowedOrigins: string[];
  chainId: number;
  registration: 'open' | 'closed';
  statement: string;
  challengeTtlMs: number;
  clockSkewMs: number;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  /** Cookie signing keys, newest first; older ones still verify (rotation). */
  sessionKeys: string[];
  trustProxy: boolean;
  /** Where GET /metrics (Prometheus) is served. */
  metrics: MetricsExposure;
  logLevel: string;
  /** Redis for sessions, challenges and rate limits; unset → embedded SQLite. */
  redisUrl?: string;
  /** Prefix of every Redis key, so deployments can share one Redis. */
  redisPrefix: string;
  /** PostgreSQL for users and the audit log; unset → embedded SQLite. */
  databaseUrl?: string;
  /** Deadline of one store call; past it the API answers 503 service_unavailable. */
  storeTimeoutMs: number;
  /**
   * With the audit log in PostgreSQL: sign-ins' audit entries that may wait to be written;
   * past it sign-ins answer 503 service_unavailable.
   */
  auditQueueMax: number;
  /** Processes serving HTTP (node cluster); 1 runs in-process. */
  workers: number;
  /** Built-in HTTPS: none, a generated self-signed dev certificate, or TLS_CERT/TLS_KEY files. */
  tls: { mode: 'off' } | { mode: 'self-signed' } | { mode: 'files'; certFile: string; keyFile: string };
  /** Shares the session cookie with every subdomain of this domain (SSO); unset → host-only. */
  cookieDomain?: string;
  /** Names this process in logs, audit entries and metrics. @default `<hostname>-<pid>` */
  instanceId: string;
  /** Built SPA served at `/`; unset → apps/web/dist. */
  webDir?: string;
  /** Shows the development-key sign-in mode in the SPA. */
  devKeySignIn: boolean;
  /** Challenge, login and register requests per client IP per minute. */
  rateLimitIpPerMinute: number;
  /** Failed logins per address per hour before that address is held back. */
  rateLimitAddressFailuresPerHour: number;
  /** Outstanding challenges one browser session may hold; older ones are dropped. */
  maxChallengesPerSession: number;
  /** Outstanding challenges in all; past it the API answers 503 until some expire. */
  maxChallenges: number;
  /**
   * The challenge forms issued: `siwe` (EIP-4361) always; `json` (`{sid, timestamp}`, which names
   * no site) only for development tooling.
   */
  challengeFormats: ChallengeFormat[];
  http: HttpSettings;
  /**
   * The RPCs contract-wallet signatures (ERC-1271, ERC-6492) are checked on, one per chain id
   * (RPC_URLS: `chainId=url,…`); none → only key-pair (EOA) accounts can sign in.
   */
  rpcUrls: RpcEndpoint[];
  /** How long one contract-wallet check may wait for its RPC (RPC_TIMEOUT_MS). */
  rpcTimeoutMs: number;
  /**
   * How often, at most, a contract wallet's session has its login signature checked again on the
   * chain (CONTRACT_WALLET_RECHECK_SECONDS; EIP-4361 §Security Considerations: the wallet's
   * owners can change after sign-in).
   */
  contractWalletRecheckMs: number;
  /** Bound on a clean stop (SIGTERM): connections still open then are dropped. */
  shutdownGraceMs: number;
}

/** How long the HTTP server waits for slow and idle clients before closing their connection. */
export interface HttpSettings {
  /** From a request's first byte (a new connection's opening) to the end of its headers. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection between requests. */
  keepAliveTimeoutMs: number;
}

/**
 * Where GET /metrics is served: never on the public port without a token. The counts carry no
 * addresses or ids, but they show the traffic and the outcomes of every sign-in.
 */
export type MetricsExposure =
  /** METRICS=0. */
  | { serve: 'off' }
  /** On a listener of its own (METRICS_HOST:METRICS_PORT, by default 127.0.0.1:9464), for the operators' network. */
  | { serve: 'listener'; host: string; port: number }
  /** On the public port, to requests with `Authorization: Bearer <METRICS_TOKEN>`. */
  | { serve: 'public'; token: string };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses `source`, by default the process environment: the only read of process.env in the
 * project. Throws ConfigError listing every problem.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // A variable set to an empty string counts as unset (`PORT= npm start` means the default).
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = env.safeParse(given);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  if (e.SESSION_ABSOLUTE_SECONDS < e.SESSION_IDLE_SECONDS) {
    throw new ConfigError('Invalid configuration:\n  SESSION_ABSOLUTE_SECONDS: must be at least SESSION_IDLE_SECONDS');
  }
  // Node refuses a headers timeout past the request timeout: the headers are part of the request.
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: must be at most HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined)) {
    throw new ConfigError('Invalid configuration:\n  TLS_CERT, TLS_KEY: give both or neither');
  }
  if (e.TLS === 'files' && e.TLS_CERT === undefined) {
    throw new ConfigError('Invalid configuration:\n  TLS: "files" needs TLS_CERT and TLS_KEY');
  }
  const tls: Config['tls'] =
    e.TLS === 'self-signed'
      ? { mode: 'self-signed' }
      : e.TLS_CERT !== undefined && e.TLS_KEY !== undefined && e.TLS !== 'off'
        ? { mode: 'files', certFile: resolve(e.TLS_CERT), keyFile: resolve(e.TLS_KEY) }
        : { mode: 'off' };
  if (e.METRICS_TOKEN !== undefined && (given.METRICS_PORT !== undefined || given.METRICS_HOST !== undefined)) {
    throw new ConfigError('Invalid configuration:\n  METRICS_TOKEN: serves /metrics on the public port; METRICS_PORT and METRICS_HOST are for a listener of its own: give one or the other');
  }
  if (e.METRICS && e.METRICS_TOKEN === undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError('Invalid configuration:\n  METRICS_PORT: must differ from PORT (or set METRICS_TOKEN to serve /metrics on the public port)');
  }
  const metrics: MetricsExposure = !e.METRICS
    ? { serve: 'off' }
    : e.METRICS_TOKEN !== undefined
      ? { serve: 'public', token: e.METRICS_TOKEN }
      : { serve: 'listener', host: e.METRICS_HOST, port: e.METRICS_PORT };
  const scheme = tls.mode === 'off' ? 'http' : 'https';
  const publicOrigin = e.PUBLIC_ORIGIN ?? `${scheme}://localhost:${e.PORT}`;
  // Browsers drop a cookie whose Domain does not cover the host that sets it (RFC 6265 §5.3).
  const publicHost = new URL(publicOrigin).hostname;
  if (e.COOKIE_DOMAIN !== undefined && publicHost !== e.COOKIE_DOMAIN && !publicHost.endsWith(`.${e.COOKIE_DOMAIN}`)) {
    throw new ConfigError(`Invalid configuration:\n  COOKIE_DOMAIN: the public origin's host ${publicHost} is not ${e.COOKIE_DOMAIN} or a subdomain of it`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    publicOrigin,
    allowedOrigins: [...new Set([publicOrigin, ...e.ALLOWED_ORIGINS])],
    chainId: e.CHAIN_ID,
    registration: e.REGISTRATION,
    statement: e.SIWE_STATEMENT,
    challengeTtlMs: e.CHALLENGE_TTL_SECONDS * 1000,
    clockSkewMs: e.CLOCK_SKEW_SECONDS * 1000,
    sessionIdleMs: e.SESSION_IDLE_SECONDS * 1000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_SECONDS * 1000,
    sessionKeys: e.SESSION_KEYS,
    trustProxy: e.TRUST_PROXY,
    metrics,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    databaseUrl: e.DATABASE_URL,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    auditQueueMax: e.AUDIT_QUEUE_MAX,
    workers: e.WORKERS === 'auto' ? Math.max(1, availableParallelism()) : e.WORKERS,
    tls,
    cookieDomain: e.COOKIE_DOMAIN,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    webDir: e.WEB_DIR === undefined ? undefined : resolve(e.WEB_DIR),
    devKeySignIn: e.DEV_KEY_SIGNIN,
    rateLimitIpPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
    rateLimitAddressFailuresPerHour: e.RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR,
    maxChallengesPerSession: e.MAX_CHALLENGES_PER_SESSION,
    maxChallenges: e.MAX_CHALLENGES,
    http: { headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    challengeFormats: e.CHALLENGE_FORMATS,
    rpcUrls: e.RPC_URLS,
    rpcTimeoutMs: e.RPC_TIMEOUT_MS,
    contractWalletRecheckMs: e.CONTRACT_WALLET_RECHECK_SECONDS * 1000,
  };
}

/**
 * The cookie signing keys: SESSION_KEYS when given, else a key generated once and kept in
 * `<dataDir>/session-keys.json` (mode 0600), so a restart keeps every session valid.
 */
export function loadSessionKeys(configured: string[], dataDir: string): string[] {
  if (configured.length > 0) return configured;
  const file = join(dataDir, 'session-keys.json');
  if (existsSync(file)) {
    let keys: unknown;
    try {
      keys = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      keys = undefined;
    }
    if (Array.isArray(keys) && keys.length > 0 && keys.every((key) => typeof key === 'string' && key.length >= 32)) return keys;
    throw new ConfigError(`${file} does not hold a list of session keys; remove it to generate a new one`);
  }
  createDataDir(dataDir);
  const keys = [randomBytes(32).toString('base64url')];
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return keys;
}
