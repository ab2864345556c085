import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, createPooledRandom, loadConfig, loadSessionKeys } from './config';

describe('loadConfig', () => {
  test('defaults make a working local server', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: resolve('./data'),
      publicOrigin: 'http://localhost:8080',
      allowedOrigins: ['http://localhost:8080'],
      chainId: 1,
      registration: 'open',
      statement: 'Sign in with your Ethereum account.',
      challengeTtlMs: 300_000,
      clockSkewMs: 5_000,
      sessionIdleMs: 86_400_000,
      sessionAbsoluteMs: 604_800_000,
      sessionKeys: [],
      trustProxy: false,
      metrics: { serve: 'listener', host: '127.0.0.1', port: 9464 },
      logLevel: 'info',
      redisUrl: undefined,
      redisPrefix: 'wl:',
      databaseUrl: undefined,
      storeTimeoutMs: 2000,
      auditQueueMax: 10_000,
      workers: 1,
      tls: { mode: 'off' },
      cookieDomain: undefined,
      instanceId: `${hostname()}-${process.pid}`,
      webDir: undefined,
      devKeySignIn: false,
      rateLimitIpPerMinute: 60,
      rateLimitAddressFailuresPerHour: 20,
      maxChallengesPerSession: 5,
      maxChallenges: 100_000,
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000 },
      shutdownGraceMs: 5000,
      challengeFormats: ['siwe'],
      rpcUrls: [],
      rpcTimeoutMs: 3000,
      contractWalletRecheckMs: 3_600_000,
    });
  });

  test('/metrics: a listener of its own on 127.0.0.1 by default, the public port only with METRICS_TOKEN, none with METRICS=0', () => {
    expect(loadConfig({ METRICS_PORT: '9100', METRICS_HOST: '10.0.0.5' }).metrics).toEqual({ serve: 'listener', host: '10.0.0.5', port: 9100 });
    const token = 'a'.repeat(40);
    expect(loadConfig({ METRICS_TOKEN: token }).metrics).toEqual({ serve: 'public', token });
    expect(loadConfig({ METRICS: '0' }).metrics).toEqual({ serve: 'off' });
    expect(loadConfig({ METRICS: '0', METRICS_TOKEN: token }).metrics).toEqual({ serve: 'off' });
    expect(() => loadConfig({ METRICS_TOKEN: token, METRICS_PORT: '9100' })).toThrow(/METRICS_TOKEN: serves \/metrics on the public port/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 32 characters/);
    expect(() => loadConfig({ METRICS_TOKEN: `${token} x` })).toThrow(/METRICS_TOKEN: letters, digits/);
    expect(() => loadConfig({ PORT: '9464' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(loadConfig({ PORT: '9464', METRICS_PORT: '9465' }).metrics).toMatchObject({ port: 9465 });
  });

  test('RPC_URLS, RPC_TIMEOUT_MS and CONTRACT_WALLET_RECHECK_SECONDS: the contract-wallet settings', () => {
    expect(loadConfig({
      RPC_URLS: ' 1=https://eth.example.test/v2/key , 8453=http://127.0.0.1:8545,', RPC_TIMEOUT_MS: '1500', CONTRACT_WALLET_RECHECK_SECONDS: '60',
    })).toMatchObject({
      rpcUrls: [{ chainId: 1, url: 'https://eth.example.test/v2/key' }, { chainId: 8453, url: 'http://127.0.0.1:8545' }],
      rpcTimeoutMs: 1500,
      contractWalletRecheckMs: 60_000,
    });
  });

  test.each([
    [{ RPC_URLS: 'https://eth.example.test' }, /RPC_URLS: item 1 is not chainId=url/],
    [{ RPC_URLS: '1=wss://eth.example.test' }, /RPC_URLS: item 1 \(chain 1\): the URL must be an http:\/\/ or https:\/\/ URL/],
    [{ RPC_URLS: '1=https://a.example.test,1=https://b.example.test' }, /RPC_URLS: item 2: chain 1 is listed more than once/],
    [{ RPC_TIMEOUT_MS: '50' }, /RPC_TIMEOUT_MS: must be at least 100/],
    [{ CONTRACT_WALLET_RECHECK_SECONDS: '0' }, /CONTRACT_WALLET_RECHECK_SECONDS: must be at least 1/],
  ])('refuses the contract-wallet setting %p, without echoing an RPC URL', (source, message) => {
    expect(() => loadConfig(source)).toThrow(message);
    try {
      loadConfig(source);
    } catch (error) {
      expect((error as Error).message).not.toContain('example.test');
    }
  });

  test('CHALLENGE_FORMATS lists the challenge forms issued; EIP-4361 is always among them', () => {
    expect(loadConfig({ CHALLENGE_FORMATS: 'siwe,json' }).challengeFormats).toEqual(['siwe', 'json']);
    expect(loadConfig({ CHALLENGE_FORMATS: ' json , siwe, json ' }).challengeFormats).toEqual(['json', 'siwe']);
    expect(() => loadConfig({ CHALLENGE_FORMATS: 'json' })).toThrow(/CHALLENGE_FORMATS: must include siwe/);
    expect(() => loadConfig({ CHALLENGE_FORMATS: 'siwe,xml' })).toThrow(/CHALLENGE_FORMATS: .*siwe.*json/);
  });

  test('reads the scale-out, TLS and limit settings', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:6379/2', REDIS_PREFIX: 'login:', DATABASE_URL: 'postgres://app@db.internal:5432/wallet', STORE_TIMEOUT_MS: '500', AUDIT_QUEUE_MAX: '250',
      WORKERS: '4', TLS: 'self-signed', PORT: '8443', PUBLIC_ORIGIN: 'https://a.example.test:8443', COOKIE_DOMAIN: 'example.test', INSTANCE_ID: 'api-1', DEV_KEY_SIGNIN: 'true',
      RATE_LIMIT_IP_PER_MINUTE: '120', RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: '5', MAX_CHALLENGES_PER_SESSION: '3', MAX_CHALLENGES: '1000',
    });
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379/2', redisPrefix: 'login:', databaseUrl: 'postgres://app@db.internal:5432/wallet', storeTimeoutMs: 500, auditQueueMax: 250,
      workers: 4, tls: { mode: 'self-signed' }, publicOrigin: 'https://a.example.test:8443', cookieDomain: 'example.test',
      instanceId: 'api-1', devKeySignIn: true, rateLimitIpPerMinute: 120, rateLimitAddressFailuresPerHour: 5,
      maxChallengesPerSession: 3, maxChallenges: 1000,
    });
    expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(Math.max(1, availableParallelism()));
    expect(loadConfig({ TLS_CERT: 'c.pem', TLS_KEY: 'k.pem' }).tls).toEqual({ mode: 'files', certFile: resolve('c.pem'), keyFile: resolve('k.pem') });
    expect(loadConfig({ TLS: 'self-signed', PORT: '8443' }).publicOrigin).toBe('https://localhost:8443');
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://example.test', COOKIE_DOMAIN: 'example.test' }).cookieDomain).toBe('example.test');
  });

  test.each([
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, /REDIS_URL: must be a URL like redis:/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a URL like postgres:/],
    [{ REDIS_PREFIX: 'wl prefix' }, /REDIS_PREFIX: letters, digits/],
    [{ TLS_CERT: 'c.pem' }, /TLS_CERT, TLS_KEY: give both or neither/],
    [{ TLS: 'files' }, /TLS: "files" needs TLS_CERT and TLS_KEY/],
    [{ COOKIE_DOMAIN: '.example.test' }, /COOKIE_DOMAIN: must be a domain/],
    [{ COOKIE_DOMAIN: 'example.test' }, /COOKIE_DOMAIN: the public origin's host localhost is not example.test or a subdomain of it/],
    [{ COOKIE_DOMAIN: 'example.test', PUBLIC_ORIGIN: 'https://badexample.test' }, /COOKIE_DOMAIN: the public origin's host badexample.test/],
    [{ WORKERS: '0' }, /WORKERS: must be at least 1/],
    [{ WORKERS: 'many' }, /WORKERS: must be auto or a whole number from 1 to 256/],
    [{ RATE_LIMIT_IP_PER_MINUTE: '0' }, /RATE_LIMIT_IP_PER_MINUTE: must be at least 1/],
    [{ AUDIT_QUEUE_MAX: '0' }, /AUDIT_QUEUE_MAX: must be at least 1/],
    [{ AUDIT_QUEUE_MAX: 'lots' }, /AUDIT_QUEUE_MAX: must be a whole number/],
  ])('refuses %p', (source, message) => {
    expect(() => loadConfig(source)).toThrow(message);
  });

  test('reads and normalises every variable', () => {
    const config = loadConfig({
      PORT: '9000', HOST: '0.0.0.0', PUBLIC_ORIGIN: 'HTTPS://App.Example.com:443/', ALLOWED_ORIGINS: ' https://a.example.com , https://b.example.com:8443 ',
      CHAIN_ID: '137', REGISTRATION: 'closed', CHALLENGE_TTL_SECONDS: '60', CLOCK_SKEW_SECONDS: '0', SESSION_IDLE_SECONDS: '600',
      SESSION_ABSOLUTE_SECONDS: '3600', SESSION_KEYS: `${'k'.repeat(32)},${'j'.repeat(40)}`, TRUST_PROXY: '1', LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 9000, host: '0.0.0.0', publicOrigin: 'https://app.example.com',
      allowedOrigins: ['https://app.example.com', 'https://a.example.com', 'https://b.example.com:8443'],
      chainId: 137, registration: 'closed', challengeTtlMs: 60_000, clockSkewMs: 0, sessionIdleMs: 600_000, sessionAbsoluteMs: 3_600_000,
      sessionKeys: ['k'.repeat(32), 'j'.repeat(40)], trustProxy: true, logLevel: 'warn',
    });
  });

  test('reads the HTTP limits and the shutdown grace, and refuses what Node or a login server cannot use', () => {
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000', SHUTDOWN_GRACE_MS: '0' })).toMatchObject({
      http: { headersTimeoutMs: 2000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 1000 },
      shutdownGraceMs: 0,
    });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must be at most HTTP_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5s' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS: must be a whole number/);
    // 0 turns Node's timeouts off: never what a server facing slow clients wants.
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '0' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS: must be at least 100/);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '0' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must be at least 100/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '-1' })).toThrow(/SHUTDOWN_GRACE_MS: must be at least 0/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '3600000' })).toThrow(/SHUTDOWN_GRACE_MS: must be at most 600000/);
  });

  test('an empty variable counts as unset', () => {
    expect(loadConfig({ PORT: '', REGISTRATION: ' ' })).toMatchObject({ port: 8080, registration: 'open' });
  });

  test('lists every problem at once, naming the variable', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', PUBLIC_ORIGIN: 'https://app.example.com/login', REGISTRATION: 'maybe', SESSION_KEYS: 'short', ALLOWED_ORIGINS: 'not a url' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    for (const name of ['PORT', 'PUBLIC_ORIGIN', 'REGISTRATION', 'SESSION_KEYS', 'ALLOWED_ORIGINS']) expect(message).toContain(name);
  });

  test.each([
    ['a statement with a line break', { SIWE_STATEMENT: 'a\nb' }],
    ['a challenge TTL of 0', { CHALLENGE_TTL_SECONDS: '0' }],
    ['an absolute timeout shorter than the idle one', { SESSION_IDLE_SECONDS: '7200', SESSION_ABSOLUTE_SECONDS: '3600' }],
    ['a non-http origin', { PUBLIC_ORIGIN: 'ftp://example.com' }],
  ])('refuses %s', (_name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
});

describe('loadSessionKeys', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wallet-login-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('configured keys win and nothing is written', () => {
    expect(loadSessionKeys(['x'.repeat(32)], dir)).toEqual(['x'.repeat(32)]);
    expect(() => statSync(join(dir, 'session-keys.json'))).toThrow();
  });

  test('otherwise a key is generated once, kept with mode 0600, and reused', () => {
    const first = loadSessionKeys([], join(dir, 'data'));
    expect(first).toHaveLength(1);
    expect(first[0]!.length).toBeGreaterThanOrEqual(43);
    expect(statSync(join(dir, 'data', 'session-keys.json')).mode & 0o777).toBe(0o600);
    expect(loadSessionKeys([], join(dir, 'data'))).toEqual(first);
    expect(JSON.parse(readFileSync(join(dir, 'data', 'session-keys.json'), 'utf8'))).toEqual(first);
  });

  test.each(['["short"]', '{not json', '[]'])('a damaged key file (%s) is reported, not replaced', (content) => {
    writeFileSync(join(dir, 'session-keys.json'), content);
    expect(() => loadSessionKeys([], dir)).toThrow(ConfigError);
    expect(readFileSync(join(dir, 'session-keys.json'), 'utf8')).toBe(content);
  });
});

describe('createPooledRandom', () => {
  /** A CSPRNG stand-in that fills with a counter, so every byte handed out can be traced. */
  const counting = () => {
    let next = 0;
    const calls: number[] = [];
    const fill = (buffer: Uint8Array) => {
      calls.push(buffer.length);
      for (let i = 0; i < buffer.length; i += 1) buffer[i] = (next += 1) % 256;
    };
    return { fill, calls };
  };

  test('hands out each pooled byte once, refilling the whole pool when it runs short', () => {
    const { fill, calls } = counting();
    const random = createPooledRandom(fill, 64);
    const draws = [random(8), random(8), random(5)];
    expect(calls).toEqual([64]);
    expect(draws.map((bytes) => [...bytes])).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16], [17, 18, 19, 20, 21]]);
    // 21 used; 43 left: five more draws of 8 need a refill for the last.
    for (let i = 0; i < 5; i += 1) random(8);
    expect(calls).toEqual([64]);
    expect([...random(8)][0]).toBe((64 + 1) % 256);
    expect(calls).toEqual([64, 64]);
  });

  test('each answer is a copy: changing it changes no later answer', () => {
    const random = createPooledRandom(counting().fill, 64);
    const first = random(4);
    first.fill(0);
    expect([...random(4)]).toEqual([5, 6, 7, 8]);
    expect(first.buffer.byteLength).toBe(4);
  });

  test('a large request goes to the CSPRNG directly', () => {
    const { fill, calls } = counting();
    const random = createPooledRandom(fill, 64);
    expect(random(9)).toHaveLength(9);
    expect(calls).toEqual([9]);
  });
});
