// The pure parts of the RPC check: how failures are described and labelled, and the deadline.
// The RPC itself is exercised against real servers in apps/api/test/chain.

import { describeRpcFailure, withRpcDeadline } from './checker';
import { viem } from './viem';

describe('describeRpcFailure', () => {
  test('a timeout', () => {
    expect(describeRpcFailure(new viem.TimeoutError({ body: {}, url: 'https://rpc.example.test/KEY' }), 3000))
      .toEqual({ reason: 'timeout', text: 'gave no answer within 3000 ms' });
  });

  test('an HTTP error status', () => {
    expect(describeRpcFailure(new viem.HttpRequestError({ url: 'https://rpc.example.test/KEY', status: 503 }), 3000))
      .toEqual({ reason: 'rpc_error', text: 'answered HTTP 503' });
  });

  test('a refused connection, with its errno code and never the URL', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: refused });
    const described = describeRpcFailure(new viem.HttpRequestError({ url: 'https://rpc.example.test/KEY', cause: fetchFailed }), 3000);
    expect(described).toEqual({ reason: 'unreachable', text: 'could not be reached (ECONNREFUSED)' });
  });

  test('a JSON-RPC error keeps its code', () => {
    const error = new viem.RpcRequestError({ body: {}, url: 'https://rpc.example.test/KEY', error: { code: -32005, message: 'rate limited' } });
    expect(describeRpcFailure(error, 3000)).toMatchObject({ reason: 'rpc_error', text: expect.stringMatching(/^answered JSON-RPC error -32005: /) });
  });

  test('anything else is an RPC error', () => {
    expect(describeRpcFailure(new Error('boom'), 3000)).toEqual({ reason: 'rpc_error', text: 'boom' });
    expect(describeRpcFailure('boom', 3000)).toEqual({ reason: 'rpc_error', text: 'boom' });
  });
});

describe('withRpcDeadline', () => {
  test('passes a result or a failure through', async () => {
    await expect(withRpcDeadline(Promise.resolve(7), 1000)).resolves.toBe(7);
    await expect(withRpcDeadline(Promise.reject(new Error('no')), 1000)).rejects.toThrow('no');
  });

  test('gives up at the deadline on an operation that never ends, as a timeout', async () => {
    jest.useFakeTimers();
    try {
      const pending = withRpcDeadline(new Promise<never>(() => undefined), 3000);
      let done = false;
      const settled = pending.then(() => 'resolved', (error: unknown) => describeRpcFailure(error, 3000)).finally(() => (done = true));
      jest.advanceTimersByTime(2999);
      await Promise.resolve();
      expect(done).toBe(false);
      jest.advanceTimersByTime(1);
      await expect(settled).resolves.toEqual({ reason: 'timeout', text: 'gave no answer within 3000 ms' });
    } finally {
      jest.useRealTimers();
    }
  });
});
