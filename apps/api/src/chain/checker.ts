// One configured chain's RPC: its viem public client, and the check that it serves the chain it
// is configured for. EIP-4361 §Message Validation binds a message to its `Chain ID`: a Chain ID 1
// sign-in must never be decided by a Base node, so every RPC proves its `eth_chainId` before it
// decides anything.
//
// At start-up a wrong chain is fatal (start() throws one clear line); an RPC that does not answer
// is not (EOA sign-in needs none): it is asked again before its next use, and until it answers
// with the right chain every check through it fails as `rpc_unavailable`. Once it has answered
// right it is not asked again.

import { ChainError, type UnavailableReason } from './errors';
import { describeRpcUrl, type RpcEndpoint } from './rpc';
import { viem, type Viem } from './viem';

export type ChainState =
  /** Not asked yet. */
  | 'unchecked'
  /** Answered `eth_chainId` with its configured chain: checks go through. */
  | 'ready'
  /** Did not answer (or answered an error) when last asked. */
  | 'unreachable'
  /** Answered with another chain when last asked. */
  | 'mismatch';

/** What a readiness check reports of one RPC (the shape of stores/types DependencyStatus). */
export interface RpcDependencyStatus {
  /** `rpc:<chainId>` */
  name: string;
  ok: boolean;
  latencyMs?: number;
  /** Why it is not ok; names the RPC by origin only. */
  error?: string;
}

export interface ChainStartResult {
  chainId: number;
  /** The RPC's origin (scheme, host, port): safe to log. */
  endpoint: string;
  state: 'ready' | 'unreachable';
  /** Why it is unreachable. */
  error?: string;
}

export interface ChainChecker {
  readonly chainId: number;
  /** The RPC's origin (scheme, host, port): safe to log. */
  readonly endpoint: string;
  /** How long one request to this RPC may take, ms. */
  readonly timeoutMs: number;
  readonly state: ChainState;
  /** The public client every request to this RPC goes through (no retries, `timeoutMs` each). */
  readonly client: Viem.PublicClient;
  /**
   * The start-up check: asks `eth_chainId` once. Resolves with `ready` or `unreachable`; throws
   * ChainError `chain_mismatch` when the RPC serves another chain.
   */
  start(): Promise<ChainStartResult>;
  /**
   * Resolves when the RPC has shown it serves this chain, asking it again when it has not yet;
   * otherwise throws ChainError `rpc_unavailable` (reason `chain_mismatch` for a wrong chain).
   * Concurrent callers share one question.
   */
  ensureReady(): Promise<void>;
  /** For /readyz: asks `eth_chainId` now (a right answer also makes the chain ready). Never throws. */
  check(): Promise<RpcDependencyStatus>;
}

export interface CreateChainCheckerOptions extends RpcEndpoint {
  /** How long one request may take, ms (RPC_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * A short, secret-free account of why a request to an RPC failed (it follows "the RPC for chain N
 * (origin)"), and its reason label.
 */
export function describeRpcFailure(error: unknown, timeoutMs: number): { reason: UnavailableReason; text: string } {
  if (error instanceof DeadlineExceeded) return { reason: 'timeout', text: `gave no answer within ${timeoutMs} ms` };
  if (error instanceof viem.BaseError) {
    if (error.walk((e) => e instanceof viem.TimeoutError)) return { reason: 'timeout', text: `gave no answer within ${timeoutMs} ms` };
    const http = error.walk((e) => e instanceof viem.HttpRequestError) as Viem.HttpRequestError | null;
    if (http !== null) {
      if (http.status !== undefined) return { reason: 'rpc_error', text: `answered HTTP ${http.status}` };
      if (http.walk((e) => e instanceof SyntaxError)) return { reason: 'bad_answer', text: 'answered something that is not JSON-RPC' };
      const code = systemErrorCode(http);
      return { reason: 'unreachable', text: code === undefined ? 'could not be reached' : `could not be reached (${code})` };
    }
    const rpc = error.walk((e) => e instanceof viem.RpcRequestError) as Viem.RpcRequestError | null;
    if (rpc !== null) return { reason: 'rpc_error', text: `answered JSON-RPC error ${rpc.code}: ${rpc.shortMessage.slice(0, 120)}` };
    return { reason: 'rpc_error', text: error.shortMessage.slice(0, 160) };
  }
  return { reason: 'rpc_error', text: error instanceof Error ? error.message.slice(0, 160) : String(error) };
}

/** The errno-style code (ECONNREFUSED, ECONNRESET, ENOTFOUND) somewhere in a fetch failure's causes. */
function systemErrorCode(error: unknown): string | undefined {
  // Not `instanceof Error`: Node's own errors may come from another realm (a test VM).
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 8; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    current = cause;
  }
  return undefined;
}

/** What withRpcDeadline rejects with; describeRpcFailure reads it as a timeout. */
class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/**
 * Runs `operation`, failing once `timeoutMs` has passed whatever the operation does, so the
 * caller hears back within the bound. The operation is left to end on its own (viem aborts its
 * request at its own timeout).
 */
export function withRpcDeadline<T>(operation: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${timeoutMs} ms`)), timeoutMs);
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function createChainChecker({ chainId, url, timeoutMs }: CreateChainCheckerOptions): ChainChecker {
  const endpoint = describeRpcUrl(url);
  // No retries (a retry would double the requests and the wait: the caller answers 503 and the
  // client retries instead), no batching, no CCIP-Read (EIP-3668: a validator must not be sent
  // to fetch from URLs a contract names).
  const client = viem.createPublicClient({
    transport: viem.http(url, { retryCount: 0, timeout: timeoutMs, batch: false }),
    batch: { multicall: false },
    ccipRead: false,
  }) as Viem.PublicClient;
  let state: ChainState = 'unchecked';
  let asking: Promise<number> | undefined;

  const mismatch = (answered: number) =>
    `RPC_URLS: the RPC configured for chain ${chainId} (${endpoint}) serves chain ${answered} (eth_chainId), not chain ${chainId}`;

  /** Asks eth_chainId (one request at a time); records the state. Throws rpc_unavailable when it cannot. */
  const ask = (): Promise<number> => {
    asking ??= withRpcDeadline(client.getChainId(), timeoutMs)
      .then(
        (answered) => {
          state = answered === chainId ? 'ready' : 'mismatch';
          return answered;
        },
        (error: unknown) => {
          // A chain that has proven itself stays proven: a failed readiness probe is the RPC's
          // passing trouble, and the next check's own call will meet it if it lasts.
          if (state !== 'ready') state = 'unreachable';
          const { reason, text } = describeRpcFailure(error, timeoutMs);
          throw new ChainError('rpc_unavailable', `the RPC for chain ${chainId} (${endpoint}) ${text}`, { cause: error, chainId, reason });
        },
      )
      .finally(() => {
        asking = undefined;
      });
    return asking;
  };

  return {
    chainId,
    endpoint,
    timeoutMs,
    get state() { return state; },
    client,
    async start() {
      let answered: number;
      try {
        answered = await ask();
      } catch (error) {
        return { chainId, endpoint, state: 'unreachable', error: (error as Error).message };
      }
      if (answered !== chainId) throw new ChainError('chain_mismatch', mismatch(answered), { chainId });
      return { chainId, endpoint, state: 'ready' };
    },
    async ensureReady() {
      if (state === 'ready') return;
      const answered = await ask();
      if (answered !== chainId) {
        throw new ChainError('rpc_unavailable', mismatch(answered), { chainId, reason: 'chain_mismatch', cause: new ChainError('chain_mismatch', mismatch(answered), { chainId }) });
      }
    },
    async check() {
      const name = `rpc:${chainId}`;
      const started = performance.now();
      try {
        const answered = await ask();
        const latencyMs = performance.now() - started;
        if (answered !== chainId) return { name, ok: false, latencyMs, error: `${endpoint} serves chain ${answered}, not ${chainId}` };
        return { name, ok: true, latencyMs };
      } catch (error) {
        return { name, ok: false, latencyMs: performance.now() - started, error: (error as Error).message };
      }
    },
  };
}
