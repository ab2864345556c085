import { ChainError } from './errors';
import { DEFAULT_RPC_TIMEOUT_MS, describeRpcUrl, parseRpcSettings, rpcTimeoutMsSchema, rpcUrlsSchema } from './rpc';

describe('parseRpcSettings', () => {
  test('unset: no RPCs and the default timeout', () => {
    expect(parseRpcSettings({})).toEqual({ rpcUrls: [], rpcTimeoutMs: DEFAULT_RPC_TIMEOUT_MS });
    expect(parseRpcSettings({ RPC_URLS: '  ', RPC_TIMEOUT_MS: '' })).toEqual({ rpcUrls: [], rpcTimeoutMs: 3000 });
  });

  test('reads chainId=url pairs in order, http and https, keeping the URL whole', () => {
    const { rpcUrls, rpcTimeoutMs } = parseRpcSettings({
      RPC_URLS: '1=https://eth.example.test/v2/KEY?x=1&y=2, 8453=http://127.0.0.1:8545,',
      RPC_TIMEOUT_MS: '750',
    });
    expect(rpcUrls).toEqual([
      { chainId: 1, url: 'https://eth.example.test/v2/KEY?x=1&y=2' },
      { chainId: 8453, url: 'http://127.0.0.1:8545' },
    ]);
    expect(rpcTimeoutMs).toBe(750);
  });

  test('accepts credentials in the URL (sent as HTTP Basic) and the largest safe chain id', () => {
    expect(parseRpcSettings({ RPC_URLS: `${Number.MAX_SAFE_INTEGER}=https://user:pass@rpc.example.test` }).rpcUrls)
      .toEqual([{ chainId: Number.MAX_SAFE_INTEGER, url: 'https://user:pass@rpc.example.test' }]);
  });

  test.each([
    ['no =', 'https://rpc.example.test', 'item 1 is not chainId=url, like 8453=https://mainnet.base.org'],
    ['a name for a chain id', 'base=https://rpc.example.test', 'item 1: the chain id must be a whole number from 1, like 8453=https://mainnet.base.org'],
    ['chain id 0', '0=https://rpc.example.test', 'item 1: the chain id must be a whole number from 1'],
    ['a negative chain id', '-1=https://rpc.example.test', 'item 1: the chain id must be a whole number from 1'],
    ['a fractional chain id', '1.5=https://rpc.example.test', 'item 1: the chain id must be a whole number from 1'],
    ['a leading zero', '01=https://rpc.example.test', 'item 1: the chain id must be a whole number from 1'],
    ['a chain id past 2^53', '9007199254740993=https://rpc.example.test', 'item 1: the chain id must be a whole number from 1'],
    ['a WebSocket URL', '1=wss://rpc.example.test', 'item 1 (chain 1): the URL must be an http:// or https:// URL'],
    ['not a URL', '1=rpc.example.test', 'item 1 (chain 1): the URL must be an http:// or https:// URL'],
    ['an empty URL', '1=', 'item 1 (chain 1): the URL must be an http:// or https:// URL'],
    ['a chain twice', '1=https://a.example.test,1=https://b.example.test', 'item 2: chain 1 is listed more than once'],
  ])('refuses %s with a clear line', (_, value, line) => {
    let caught: unknown;
    try {
      parseRpcSettings({ RPC_URLS: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ChainError);
    expect(caught).toMatchObject({ code: 'invalid_config' });
    expect((caught as Error).message).toMatch(/^Invalid configuration:\n {2}RPC_URLS: /);
    expect((caught as Error).message).toContain(line);
  });

  test('lists every problem, and never echoes a URL (it may hold an API key)', () => {
    expect(() => parseRpcSettings({ RPC_URLS: 'x=https://a.example.test/SECRET,2=ftp://b.example.test/SECRET', RPC_TIMEOUT_MS: '5' }))
      .toThrow(new ChainError('invalid_config', [
        'Invalid configuration:',
        '  RPC_URLS: item 1: the chain id must be a whole number from 1, like 8453=https://mainnet.base.org',
        '  RPC_URLS: item 2 (chain 2): the URL must be an http:// or https:// URL, like 8453=https://mainnet.base.org',
        '  RPC_TIMEOUT_MS: must be at least 100',
      ].join('\n')));
  });

  test.each([
    ['abc', 'must be a whole number of milliseconds'],
    ['1.5', 'must be a whole number of milliseconds'],
    ['99', 'must be at least 100'],
    ['60001', 'must be at most 60000'],
  ])('refuses RPC_TIMEOUT_MS=%s', (value, problem) => {
    expect(() => parseRpcSettings({ RPC_TIMEOUT_MS: value })).toThrow(`  RPC_TIMEOUT_MS: ${problem}`);
  });
});

describe('the schemas config.ts plugs in', () => {
  test('parse a raw environment value as parseRpcSettings does', () => {
    expect(rpcUrlsSchema.parse(undefined)).toEqual([]);
    expect(rpcUrlsSchema.parse('10=https://op.example.test')).toEqual([{ chainId: 10, url: 'https://op.example.test' }]);
    expect(rpcUrlsSchema.safeParse('10=ftp://x').success).toBe(false);
    expect(rpcTimeoutMsSchema.parse(undefined)).toBe(3000);
    expect(rpcTimeoutMsSchema.parse('100')).toBe(100);
  });
});

describe('describeRpcUrl', () => {
  test('shows scheme, host and port only: no path, query or credentials', () => {
    expect(describeRpcUrl('https://user:pass@rpc.example.test:8443/v2/KEY?apikey=KEY#x')).toBe('https://rpc.example.test:8443');
    expect(describeRpcUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545');
    expect(describeRpcUrl('not a url')).toBe('(malformed URL)');
  });
});
