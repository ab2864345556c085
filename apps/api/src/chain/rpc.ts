// The RPC settings: RPC_URLS (comma-separated `chainId=url` pairs, http:// or https://) and
// RPC_TIMEOUT_MS. Pure: zod schemas config.ts plugs into its environment schema, and
// parseRpcSettings for a caller that has only these two variables. Nothing here reads the
// environment. Errors name an item by its position and chain id, never echo its URL: providers
// put API keys in the path or query.

import { z } from 'zod';
import { ChainError } from './errors';

/** One configured RPC: contract-wallet signatures of messages for `chainId` are checked there. */
export interface RpcEndpoint {
  /** EIP-155 chain id, as the message's `Chain ID` (EIP-4361). */
  chainId: number;
  /** http(s) JSON-RPC URL; may hold credentials or an API key, so it is never logged whole. */
  url: string;
}

/** @default 3000 ms; at least 100, at most 60000. */
export const DEFAULT_RPC_TIMEOUT_MS = 3000;

const EXAMPLE = '8453=https://mainnet.base.org';

/** The problems with a RPC_URLS value, one line each; empty when it is well-formed. */
function problemsOf(items: string[]): { endpoints: RpcEndpoint[]; problems: string[] } {
  const endpoints: RpcEndpoint[] = [];
  const problems: string[] = [];
  const seen = new Set<number>();
  items.forEach((item, index) => {
    const where = `item ${index + 1}`;
    // The first `=` separates: a chain id has none, a URL's query may.
    const separator = item.indexOf('=');
    if (separator < 0) {
      problems.push(`${where} is not chainId=url, like ${EXAMPLE}`);
      return;
    }
    const id = item.slice(0, separator).trim();
    const url = item.slice(separator + 1).trim();
    if (!/^[1-9][0-9]{0,15}$/.test(id) || !Number.isSafeInteger(Number(id))) {
      problems.push(`${where}: the chain id must be a whole number from 1, like ${EXAMPLE}`);
      return;
    }
    const chainId = Number(id);
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
      problems.push(`${where} (chain ${chainId}): the URL must be an http:// or https:// URL, like ${EXAMPLE}`);
      return;
    }
    if (seen.has(chainId)) {
      problems.push(`${where}: chain ${chainId} is listed more than once`);
      return;
    }
    seen.add(chainId);
    endpoints.push({ chainId, url });
  });
  return { endpoints, problems };
}

/**
 * RPC_URLS → the endpoints, in the order given. Unset or empty → none (EOA sign-in needs no RPC).
 * Empty items (a trailing comma) are ignored, as in the other list settings.
 */
export const rpcUrlsSchema = z
  .string()
  .default('')
  .transform((value, ctx): RpcEndpoint[] => {
    const items = value.split(',').map((item) => item.trim()).filter(Boolean);
    const { endpoints, problems } = problemsOf(items);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length > 0 ? z.NEVER : endpoints;
  });

/** RPC_TIMEOUT_MS → ms: how long one contract-wallet check may wait for its RPC. */
export const rpcTimeoutMsSchema = z.coerce
  .number({ error: 'must be a whole number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .min(100, 'must be at least 100')
  .max(60_000, 'must be at most 60000')
  .default(DEFAULT_RPC_TIMEOUT_MS);

export interface RpcSettings {
  rpcUrls: RpcEndpoint[];
  rpcTimeoutMs: number;
}

/**
 * Parses RPC_URLS and RPC_TIMEOUT_MS from `source` (an environment-like record; an empty value
 * counts as unset). Throws ChainError `invalid_config` listing every problem, one
 * `  NAME: problem` line each, as config.ts reports its own.
 */
export function parseRpcSettings(source: { RPC_URLS?: string | undefined; RPC_TIMEOUT_MS?: string | undefined }): RpcSettings {
  const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);
  const result = z.object({ RPC_URLS: rpcUrlsSchema, RPC_TIMEOUT_MS: rpcTimeoutMsSchema })
    .safeParse({ RPC_URLS: given(source.RPC_URLS), RPC_TIMEOUT_MS: given(source.RPC_TIMEOUT_MS) });
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ChainError('invalid_config', `Invalid configuration:\n${lines.join('\n')}`);
  }
  return { rpcUrls: result.data.RPC_URLS, rpcTimeoutMs: result.data.RPC_TIMEOUT_MS };
}

/** An RPC URL as logs and errors may show it: scheme, host and port only. */
export function describeRpcUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(malformed URL)';
  }
}
