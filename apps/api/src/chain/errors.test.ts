import { ApiError } from '../errors';
import { ChainError, fromChainError, isChainError, RPC_RETRY_AFTER_SECONDS } from './errors';

describe('fromChainError', () => {
  test('an RPC that cannot decide is 503 with Retry-After, saying nothing internal', () => {
    const cause = new ChainError('rpc_unavailable', 'the RPC for chain 1 (https://rpc.example.test) gave no answer within 3000 ms', { chainId: 1, reason: 'timeout' });
    const answer = fromChainError(cause);
    expect(answer).toBeInstanceOf(ApiError);
    expect(answer).toMatchObject({ code: 'service_unavailable', status: 503, retryAfterSeconds: RPC_RETRY_AFTER_SECONDS, cause });
    expect(answer!.message).not.toContain('rpc.example.test');
  });

  test('a chain without an RPC is 401 signature_invalid naming RPC_URLS', () => {
    const answer = fromChainError(new ChainError('chain_not_configured', 'No RPC is configured for chain 8453', { chainId: 8453 }));
    expect(answer).toMatchObject({ code: 'signature_invalid', status: 401 });
    expect(answer!.message).toContain('RPC_URLS');
    expect(answer!.message).toContain('chain 8453');
  });

  test('malformed input is 400 invalid_request with its message', () => {
    expect(fromChainError(new ChainError('invalid_parameter', 'The signature must be at most 16384 bytes.')))
      .toMatchObject({ code: 'invalid_request', status: 400, message: 'The signature must be at most 16384 bytes.' });
  });

  test('configuration errors and other errors are not a request answer', () => {
    expect(fromChainError(new ChainError('chain_mismatch', 'x'))).toBeUndefined();
    expect(fromChainError(new ChainError('invalid_config', 'x'))).toBeUndefined();
    expect(fromChainError(new Error('x'))).toBeUndefined();
  });
});

test('isChainError tells the code apart', () => {
  const error = new ChainError('rpc_unavailable', 'x', { reason: 'unreachable' });
  expect(isChainError(error)).toBe(true);
  expect(isChainError(error, 'rpc_unavailable')).toBe(true);
  expect(isChainError(error, 'chain_mismatch')).toBe(false);
  expect(isChainError(new Error('x'))).toBe(false);
  expect(error).toMatchObject({ name: 'ChainError', reason: 'unreachable' });
  expect(error.chainId).toBeUndefined();
});
