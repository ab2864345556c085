// Configuration: the one place that reads process.env. Parsed and validated once at start-up
// with zod; anything wrong stops the process with a list of what to fix.

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** The wall clock: what main.ts and the CLIs inject; everything else receives a Clock. */
export const systemClock = { now: (): number => Date.now() };

/** The CSPRNG injected into the app. */
export const systemRandom = (length: number): Uint8Array => randomBytes(length);

const integer = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const seconds = (fallback: number, min: number, max: number) => integer(min, max).default(fallback);
const list = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

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
  TRUST_PROXY: z.enum(['0', '1', 'false', 'true']).default('0').transform((value) => value === '1' || value === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  logLevel: string;
}

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
  const publicOrigin = e.PUBLIC_ORIGIN ?? `http://localhost:${e.PORT}`;
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
    logLevel: e.LOG_LEVEL,
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
  mkdirSync(dataDir, { recursive: true });
  const keys = [randomBytes(32).toString('base64url')];
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return keys;
}
