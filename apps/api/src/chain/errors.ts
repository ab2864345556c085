// The on-chain checks' error type: one class, a stable string code, a short message that names
// no secret (an RPC is named by its origin only: providers put API keys in the path or query),
// and the cause. fromChainError maps it to the API's answer.

import { ApiError } from '../errors';

export type ChainErrorCode =
  /** The chain's RPC could not decide: unreachable, an error answer, no answer in time, the wrong chain. Retry. */
  | 'rpc_unavailable'
  /** No RPC is configured for the message's chain (RPC_URLS), so a contract wallet cannot be checked. */
  | 'chain_not_configured'
  /** An RPC answers `eth_chainId` with another chain than the one it is configured for (at start-up: fatal). */
  | 'chain_mismatch'
  /** RPC_URLS or RPC_TIMEOUT_MS is malformed. */
  | 'invalid_config'
  /** The caller passed a malformed address, signature or chain id. */
  | 'invalid_parameter';

/** Why an RPC could not decide, for logs and metrics labels (a bounded set). */
export type UnavailableReason = 'unreachable' | 'timeout' | 'rpc_error' | 'bad_answer' | 'chain_mismatch';

export class ChainError extends Error {
  override readonly name = 'ChainError';
  readonly code: ChainErrorCode;
  /** The chain concerned, when there is one. */
  readonly chainId?: number;
  /** Set on `rpc_unavailable`. */
  readonly reason?: UnavailableReason;

  constructor(code: ChainErrorCode, message: string, options: { cause?: unknown; chainId?: number; reason?: UnavailableReason } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.chainId !== undefined) this.chainId = options.chainId;
    if (options.reason !== undefined) this.reason = options.reason;
  }
}

export function isChainError(error: unknown, code?: ChainErrorCode): error is ChainError {
  return error instanceof ChainError && (code === undefined || error.code === code);
}

/** How long a client is asked to wait after a 503 from an RPC that could not decide. */
export const RPC_RETRY_AFTER_SECONDS = 5;

/**
 * The API's answer to a ChainError thrown while checking a sign-in: an RPC that could not decide
 * is 503 with Retry-After (fail closed, never read as "invalid"); a chain without an RPC is 401
 * signature_invalid saying what is missing; malformed input is 400. Configuration errors are not
 * a request's fault: undefined (the caller's 500 path).
 */
export function fromChainError(error: unknown): ApiError | undefined {
  if (!isChainError(error)) return undefined;
  switch (error.code) {
    case 'rpc_unavailable':
      return new ApiError('service_unavailable', 'The contract wallet cannot be checked right now; try again shortly.', {
        cause: error, retryAfterSeconds: RPC_RETRY_AFTER_SECONDS,
      });
    case 'chain_not_configured':
      return new ApiError(
        'signature_invalid',
        `The signature is not a valid signature of the named address, and contract wallets on chain ${error.chainId ?? '?'} cannot be checked: the server needs an RPC for that chain in RPC_URLS.`,
        { cause: error },
      );
    case 'invalid_parameter':
      return new ApiError('invalid_request', error.message, { cause: error });
    case 'chain_mismatch':
    case 'invalid_config':
      return undefined;
  }
}
