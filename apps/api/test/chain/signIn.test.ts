// Contract wallets signing in, end to end, on a real local chain (anvil): the project's
// OwnedWallet (ERC-1271) deployed through its CREATE2 factory, or not yet deployed and signing
// with an ERC-6492 wrapper, against the test server with the verifier injected; every request to
// the RPC counted by a proxy in front of it. Also: the RPC down, silent or on the wrong chain (the
// server as a real process), the owner rotated after sign-in (the session's re-check, a live
// socket told), replays, and two instances sharing Redis.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Redis } from 'ioredis';
import {
  TEST_KEYS, TEST_SESSION_KEYS, connectLiveSession, deployFactory, deployWallet, freePort, liveSessionUrl,
  privateKeyToAddress, setWalletOwner, signMessage, startTestServer, useAnvil, walletAddress, wrapErc6492Signature,
  type TestServer,
} from '@wallet-login/testkit';
import { createContractWalletVerifier, type ContractWalletVerifier, type RpcCheckOutcome } from '../../src/chain';
import { Client, expectError } from '../support/app';
import { startApiProcess, type ApiProcess } from '../support/processes';
import { closeRedisInstances, startRedisInstance, type RedisInstance } from '../support/redisInstances';
import { connectTestRedis, deleteRedisKeys, uniqueName } from '../support/services';
import { startCountingProxy, startSilentServer, type CountingProxy } from './rpcServers';

const CHAIN_ID = 84532;
const TIMEOUT_MS = 1500;
/** What every answer an RPC cannot give must come within: the timeout plus a second. */
const BOUND_MS = TIMEOUT_MS + 1000;
const RECHECK_MS = 600_000;

type Address = `0x${string}`;
const owner = privateKeyToAddress(TEST_KEYS.alice) as Address;
const stranger = privateKeyToAddress(TEST_KEYS.bob) as Address;
const byOwner = (message: string) => signMessage({ message, privateKey: TEST_KEYS.alice });
const byStranger = (message: string) => signMessage({ message, privateKey: TEST_KEYS.bob });

const anvil = useAnvil({ chainId: CHAIN_ID });
let factory: Address;
let proxy: CountingProxy;
const observed: RpcCheckOutcome[] = [];
let verifier: ContractWalletVerifier;
let server: TestServer;

/** A verifier of CHAIN_ID through `url`, its chain checked (or found away) already. */
async function startVerifier(url: string, observe?: (outcome: RpcCheckOutcome) => void): Promise<ContractWalletVerifier> {
  const started = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url }], timeoutMs: TIMEOUT_MS, ...(observe ? { observe } : {}) });
  await started.start();
  return started;
}

/** The test server on CHAIN_ID with `contractWallets` (none: the default, no RPC), on a data directory of its own or `dataDir`. */
function startServer(contractWallets?: ContractWalletVerifier, dataDir?: string): Promise<TestServer> {
  return startTestServer({
    config: { chainId: CHAIN_ID, contractWalletRecheckMs: RECHECK_MS, rpcTimeoutMs: TIMEOUT_MS },
    ...(contractWallets ? { deps: { contractWallets } } : {}),
    ...(dataDir ? { dataDir } : {}),
  });
}

beforeAll(async () => {
  factory = await deployFactory(anvil);
  proxy = await startCountingProxy(anvil.url);
  verifier = await startVerifier(proxy.url, (outcome) => observed.push(outcome));
  server = await startServer(verifier);
});

beforeEach(() => {
  proxy.reset();
  observed.length = 0;
});

afterAll(async () => {
  await server?.close();
  await proxy?.close();
});

interface Attempt {
  res: request.Response;
  sid: string;
  signature: string;
  message: string;
  ms: number;
}

/** Asks for a challenge naming `address`, has `sign` sign its message, and posts it to /login or /register. */
async function attempt(client: Client, address: string, sign: (message: string) => string, mode: 'login' | 'register' = 'register'): Promise<Attempt> {
  const challenge = await client.post('/api/auth/challenge', { address });
  expect(challenge.status).toBe(200);
  const { sid, message } = challenge.body as { sid: string; message: string };
  const signature = sign(message);
  const started = performance.now();
  const res = await client.post(`/api/auth/${mode}`, { sid, signature, message });
  return { res, sid, signature, message, ms: performance.now() - started };
}

/** A wallet of `owner` deployed through the factory with `salt`. */
const deployed = (salt: bigint) => deployWallet(anvil, { factory, owner, salt });

/** The owner's 6492-wrapped signature for the wallet of `salt`. */
const wrappedBy = (key: string, salt: bigint) => (message: string) =>
  wrapErc6492Signature({ factory, owner, salt, signature: signMessage({ message, privateKey: key }) });

describe('a deployed wallet (ERC-1271)', () => {
  test("signs in with its owner's signature, after one eth_call; /me and the audit log say erc1271", async () => {
    const wallet = await deployed(1n);
    proxy.reset();
    const client = new Client(server.url);
    const { res } = await attempt(client, wallet, byOwner);
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { address: wallet } });
    expect(proxy.requests).toEqual([['eth_call']]);
    expect(observed).toEqual(['valid']);
    const me = await client.get('/api/auth/me');
    expect(me.body).toEqual({ address: wallet, method: 'erc1271', createdAt: expect.any(Number), expiresAt: expect.any(Number) });
    expect((await server.stores.audit.query({ address: wallet }))[0]).toMatchObject({ action: 'register', outcome: 'ok', method: 'erc1271' });

    // Registered: it logs in again the same way.
    const again = await attempt(new Client(server.url), wallet, byOwner, 'login');
    expect(again.res.status).toBe(200);
  });

  test("refuses a stranger's signature: 401 signature_invalid, no session, the challenge used up", async () => {
    const wallet = await deployed(2n);
    proxy.reset();
    const client = new Client(server.url);
    const { res, sid, message } = await attempt(client, wallet, byStranger);
    expectError(res, 401, 'signature_invalid');
    expect(res.body.error.message).toMatch(/ERC-1271/);
    expect(proxy.requests).toEqual([['eth_call']]);
    expect(await server.stores.sessions.listFor(wallet)).toEqual([]);
    expect((await client.get('/api/auth/me')).status).toBe(401);
    // The owner's own signature of the same challenge comes too late.
    expectError(await client.post('/api/auth/register', { sid, signature: byOwner(message) }), 401, 'challenge_not_found');
  });

  test('a replay of a contract signature that signed in is 401 challenge_not_found, with no RPC call', async () => {
    const wallet = await deployed(3n);
    const preLogin = new Client(server.url);
    const challenge = await preLogin.post('/api/auth/challenge', { address: wallet });
    const signature = byOwner(challenge.body.message);
    const loginCookie = preLogin.cookieHeader();
    expect((await preLogin.post('/api/auth/register', { sid: challenge.body.sid, signature })).status).toBe(201);
    proxy.reset();
    // Again with the pre-login cookie, with the signed-in one, and with none.
    for (const cookie of [loginCookie, preLogin.cookieHeader(), '']) {
      const replay = await request(server.url).post('/api/auth/login').set('Cookie', cookie).send({ sid: challenge.body.sid, signature });
      expectError(replay, 401, 'challenge_not_found');
    }
    expect(proxy.requests).toEqual([]);
  });
});

describe('a wallet not deployed yet (ERC-6492)', () => {
  test("signs in with its owner's wrapped signature, and stays undeployed; /me says erc6492", async () => {
    const wallet = await walletAddress(anvil, { factory, owner, salt: 20n });
    expect(await anvil.codeAt(wallet)).toBe('0x');
    proxy.reset();
    const client = new Client(server.url);
    const { res, signature } = await attempt(client, wallet, wrappedBy(TEST_KEYS.alice, 20n));
    expect(signature.length).toBeGreaterThan(2 + 65 * 2);
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { address: wallet } });
    expect(proxy.requests).toEqual([['eth_call']]);
    expect((await client.get('/api/auth/me')).body).toMatchObject({ address: wallet, method: 'erc6492' });
    expect(await anvil.codeAt(wallet)).toBe('0x');
  });

  test("refuses a stranger's wrapped signature, and the wallet stays undeployed", async () => {
    const wallet = await walletAddress(anvil, { factory, owner, salt: 21n });
    const client = new Client(server.url);
    const { res } = await attempt(client, wallet, wrappedBy(TEST_KEYS.bob, 21n));
    expectError(res, 401, 'signature_invalid');
    expect(await anvil.codeAt(wallet)).toBe('0x');
    expect((await client.get('/api/auth/me')).status).toBe(401);
  });

  test('a wrapped signature still signs in once the wallet is deployed', async () => {
    const wallet = await deployed(22n);
    const client = new Client(server.url);
    const { res } = await attempt(client, wallet, wrappedBy(TEST_KEYS.alice, 22n));
    expect(res.status).toBe(201);
    expect((await client.get('/api/auth/me')).body).toMatchObject({ address: wallet, method: 'erc6492' });
  });

  test('over a challenge that names no address, a wrapped signature is 400 saying the address must be named, and the challenge stays usable', async () => {
    const client = new Client(server.url);
    const challenge = await client.post('/api/auth/challenge', {});
    const wrapped = wrappedBy(TEST_KEYS.alice, 23n)(challenge.body.message);
    await server.stores.users.add(owner, server.clock.now());
    const res = await client.post('/api/auth/login', { sid: challenge.body.sid, signature: wrapped });
    expectError(res, 400, 'invalid_request');
    expect(res.body.error.message).toMatch(/contract wallet must be named/);
    expect(proxy.requests).toEqual([]);
    // A key pair's login over it is taken.
    expect((await client.post('/api/auth/login', { sid: challenge.body.sid, signature: byOwner(challenge.body.message) })).status).toBe(200);
  });
});

describe('signatures and sizes', () => {
  test('a 16 KiB + 1 byte signature is 400 invalid_request, the challenge still usable; 16 KiB goes to the chain', async () => {
    const wallet = await deployed(30n);
    const client = new Client(server.url);
    const challenge = await client.post('/api/auth/challenge', { address: wallet });
    const tooLong = await client.post('/api/auth/register', { sid: challenge.body.sid, signature: `0x${'ab'.repeat(16 * 1024 + 1)}`, message: challenge.body.message });
    expectError(tooLong, 400, 'invalid_request');
    expect(tooLong.body.error.message).toBe('signature: must be at most 16384 bytes (0x and 32768 hex digits)');
    expect(proxy.requests).toEqual([]);
    const longest = await client.post('/api/auth/register', { sid: challenge.body.sid, signature: `0x${'ab'.repeat(16 * 1024)}`, message: challenge.body.message });
    expectError(longest, 401, 'signature_invalid');
    expect(proxy.requests).toEqual([['eth_call']]);
  });

  test("a key pair's sign-in makes no RPC request, and neither does its strict check refusing a high-s twin", async () => {
    const client = new Client(server.url);
    const { res } = await attempt(client, stranger, byStranger);
    expect(res.status).toBe(201);
    expect((await client.get('/api/auth/me')).body).toMatchObject({ address: stranger, method: 'eoa' });
    expect(proxy.requests).toEqual([]);
    expect((await server.stores.audit.query({ address: stranger }))[0]).toMatchObject({ outcome: 'ok', method: 'eoa' });

    // The malleable twin (s' = n − s, EIP-2) recovers to the same key, but is not a key pair's
    // signature here, nor a contract's: refused without asking the chain.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const twin = (message: string) => {
      const signature = byStranger(message);
      const s = BigInt(`0x${signature.slice(66, 130)}`);
      return `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${signature.slice(130) === '1b' ? '1c' : '1b'}`;
    };
    const refused = await attempt(new Client(server.url), stranger, twin, 'login');
    expectError(refused.res, 401, 'signature_invalid');
    expect(proxy.requests).toEqual([]);
  });

  test('on a server without an RPC, a contract wallet is 401 signature_invalid saying contract wallets need RPC_URLS', async () => {
    const wallet = await deployed(31n);
    const bare = await startServer();
    try {
      const { res } = await attempt(new Client(bare.url), wallet, byOwner);
      expectError(res, 401, 'signature_invalid');
      expect(res.body.error.message).toBe(
        `The signature is not a valid signature of the named address, and contract wallets on chain ${CHAIN_ID} cannot be checked: the server needs an RPC for that chain in RPC_URLS.`,
      );
      expect(proxy.requests).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});

describe('an RPC that cannot decide: 503 with Retry-After within the bound, never a session', () => {
  test("down: a key pair signs in at once with no RPC request; a contract wallet's sign-in is 503 and its challenge used up", async () => {
    const deadPort = await freePort();
    const counting = await startCountingProxy(`http://127.0.0.1:${deadPort}`);
    const down = await startServer(await startVerifier(counting.url));
    try {
      counting.reset();
      const eoa = await attempt(new Client(down.url), owner, byOwner);
      expect(eoa.res.status).toBe(201);
      expect(eoa.ms).toBeLessThan(500);
      expect(counting.requests).toEqual([]);

      const wallet = await deployed(40n);
      const client = new Client(down.url);
      const { res, ms, sid, signature } = await attempt(client, wallet, byOwner);
      expectError(res, 503, 'service_unavailable');
      expect(res.headers['retry-after']).toBe('5');
      expect(ms).toBeLessThan(BOUND_MS);
      expect(counting.requests.length).toBeGreaterThan(0);
      expect(await down.stores.sessions.listFor(wallet)).toEqual([]);
      expect((await client.get('/api/auth/me')).status).toBe(401);
      expectError(await client.post('/api/auth/register', { sid, signature }), 401, 'challenge_not_found');
      expect((await down.stores.audit.query({ outcome: 'service_unavailable' }))).toHaveLength(1);
    } finally {
      await down.close();
      await counting.close();
    }
  });

  test('silent (accepts the connection, never answers): 503 within the bound', async () => {
    const silent = await startSilentServer();
    const stuck = await startServer(await startVerifier(silent.url));
    try {
      const wallet = await deployed(41n);
      const client = new Client(stuck.url);
      const { res, ms } = await attempt(client, wallet, byOwner);
      expectError(res, 503, 'service_unavailable');
      expect(res.headers['retry-after']).toBe('5');
      expect(ms).toBeLessThan(BOUND_MS);
      expect(await stuck.stores.sessions.listFor(wallet)).toEqual([]);
    } finally {
      await stuck.close();
      await silent.close();
    }
  });

  test('silent after it proved its chain: the eth_call itself is cut at the timeout, 503 within the bound', async () => {
    const stalling = await startCountingProxy(anvil.url);
    const hanging = await startServer(await startVerifier(stalling.url));
    try {
      const wallet = await deployed(42n);
      stalling.hang();
      stalling.reset();
      const { res, ms } = await attempt(new Client(hanging.url), wallet, byOwner);
      expectError(res, 503, 'service_unavailable');
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(BOUND_MS);
      expect(stalling.requests).toEqual([['eth_call']]);
    } finally {
      await hanging.close();
      await stalling.close();
    }
  });
});

describe('the session of a contract wallet is checked again on the chain', () => {
  test('owner rotated: the next request after the re-check interval is 401 and the live socket hears signed_out', async () => {
    const wallet = await deployed(50n);
    const client = new Client(server.url);
    expect((await attempt(client, wallet, byOwner)).res.status).toBe(201);
    const socket = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: client.cookieHeader() });
    expect(await socket.next()).toEqual({ type: 'signed_in', address: wallet });

    await setWalletOwner(anvil, { wallet, ownerKey: TEST_KEYS.alice, newOwner: stranger });
    proxy.reset();
    // Within the interval the session is not asked about: no RPC request.
    server.clock.advance(RECHECK_MS - 1);
    expect((await client.get('/api/auth/me')).status).toBe(200);
    expect(proxy.requests).toEqual([]);

    server.clock.advance(1);
    const ended = await client.get('/api/auth/me');
    expectError(ended, 401, 'unauthenticated');
    expect(ended.body.error.message).toMatch(/contract wallet no longer accepts this sign-in/);
    expect(proxy.requests).toEqual([['eth_call']]);
    expect(await socket.next()).toEqual({ type: 'signed_out' });
    expect((await socket.closed).code).toBe(1000);
    expect(await server.stores.sessions.listFor(wallet)).toEqual([]);
    expect((await client.get('/api/auth/me')).status).toBe(401);
  });

  test('still accepted: kept, and not asked again for another interval', async () => {
    const wallet = await walletAddress(anvil, { factory, owner, salt: 51n });
    const client = new Client(server.url);
    expect((await attempt(client, wallet, wrappedBy(TEST_KEYS.alice, 51n))).res.status).toBe(201);
    proxy.reset();
    server.clock.advance(RECHECK_MS);
    expect((await client.get('/api/auth/me')).body).toMatchObject({ address: wallet, method: 'erc6492' });
    expect(proxy.requests).toEqual([['eth_call']]);
    // The wrapped signature is checked again as it was sent: still undeployed.
    expect(await anvil.codeAt(wallet)).toBe('0x');
    server.clock.advance(RECHECK_MS - 1);
    expect((await client.get('/api/auth/me')).status).toBe(200);
    expect(proxy.requests).toEqual([['eth_call']]);
  });

  test('the RPC cannot decide: the session is kept, and asked again at the next request', async () => {
    const flaky = await startCountingProxy(anvil.url);
    const flakyServer = await startServer(await startVerifier(flaky.url));
    let back: CountingProxy | undefined;
    try {
      const wallet = await deployed(52n);
      const client = new Client(flakyServer.url);
      expect((await attempt(client, wallet, byOwner)).res.status).toBe(201);
      await flaky.close();
      flakyServer.clock.advance(RECHECK_MS);
      for (let i = 0; i < 2; i += 1) {
        const started = performance.now();
        expect((await client.get('/api/auth/me')).status).toBe(200);
        expect(performance.now() - started).toBeLessThan(BOUND_MS);
      }
      back = await startCountingProxy(anvil.url, flaky.port);
      expect((await client.get('/api/auth/me')).status).toBe(200);
      expect(back.requests).toEqual([['eth_call']]);
      back.reset();
      expect((await client.get('/api/auth/me')).status).toBe(200);
      expect(back.requests).toEqual([]);
    } finally {
      await flakyServer.close();
      await back?.close();
    }
  });
});

describe('the session of a contract wallet, on a server that cannot check it', () => {
  test('restarted without an RPC for its chain: kept until its re-check is due, then ended (nothing vouches for it)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-chain-restart-'));
    try {
      const wallet = await deployed(53n);
      const before = await startServer(verifier, dataDir);
      const client = new Client(before.url);
      expect((await attempt(client, wallet, byOwner)).res.status).toBe(201);
      await before.close();

      const after = await startServer(undefined, dataDir);
      try {
        const cookie = client.cookieHeader();
        expect((await request(after.url).get('/api/auth/me').set('Cookie', cookie)).body).toMatchObject({ address: wallet, method: 'erc1271' });
        after.clock.advance(RECHECK_MS);
        expectError(await request(after.url).get('/api/auth/me').set('Cookie', cookie), 401, 'unauthenticated');
        expect(await after.stores.sessions.listFor(wallet)).toEqual([]);
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('two instances sharing Redis', () => {
  let admin: Redis;
  let dir: string;
  let prefix: string;
  const instances: RedisInstance[] = [];

  beforeAll(async () => {
    admin = await connectTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'wallet-login-chain-redis-'));
    prefix = `${uniqueName('wlchain')}:`;
  });
  afterAll(async () => {
    await closeRedisInstances(instances);
    await deleteRedisKeys(admin, prefix);
    await admin.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An instance on the shared Redis prefix and user file, with its own verifier through the counting proxy. */
  async function startInstance(publicOrigin?: string): Promise<RedisInstance> {
    const contractWallets = await startVerifier(proxy.url);
    const instance = await startRedisInstance({ prefix, dir, publicOrigin, config: { chainId: CHAIN_ID, rpcTimeoutMs: TIMEOUT_MS }, deps: { contractWallets } });
    instances.push(instance);
    return instance;
  }

  test('a contract sign-in on one is valid on the other, and its replay on the other fails; of parallel posts one wins, with one eth_call', async () => {
    const a = await startInstance();
    const b = await startInstance(a.url);
    const wallet = await deployed(60n);

    const client = new Client(a.url);
    const challenge = await client.post('/api/auth/challenge', { address: wallet });
    const signature = byOwner(challenge.body.message);
    const preLogin = client.cookieHeader();
    proxy.reset();
    expect((await client.post('/api/auth/register', { sid: challenge.body.sid, signature })).status).toBe(201);
    expect(proxy.requests).toEqual([['eth_call']]);
    const signedIn = client.cookieHeader();
    const onB = await request(b.url).get('/api/auth/me').set('Cookie', signedIn);
    expect({ status: onB.status, address: onB.body.address, method: onB.body.method }).toEqual({ status: 200, address: wallet, method: 'erc1271' });
    for (const cookie of [preLogin, signedIn]) {
      expectError(await request(b.url).post('/api/auth/login').set('Cookie', cookie).send({ sid: challenge.body.sid, signature }), 401, 'challenge_not_found');
    }

    // One challenge, posted 20 times at once to both: exactly one session, and the chain asked once.
    const racer = new Client(a.url);
    const raced = await racer.post('/api/auth/challenge', { address: wallet });
    const racedSignature = byOwner(raced.body.message);
    const cookie = racer.cookieHeader();
    proxy.reset();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request((i % 2 === 0 ? a : b).url).post('/api/auth/login').set('Cookie', cookie).send({ sid: raced.body.sid, signature: racedSignature })),
    );
    const answers = results.map((res) => `${res.status} ${res.body?.address ?? res.body?.error?.code}`);
    expect(answers.filter((answer) => answer === `200 ${wallet}`)).toHaveLength(1);
    expect(answers.filter((answer) => answer === '401 challenge_not_found')).toHaveLength(19);
    expect(proxy.requests).toEqual([['eth_call']]);
  });
});

describe('start-up (a real process)', () => {
  let dataDir: string;
  const running: ApiProcess[] = [];
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-chain-main-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((api) => api.stop('SIGKILL')));
    rmSync(dataDir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string>) => {
    const api = await startApiProcess({ env: { DATA_DIR: dataDir, SESSION_KEYS: TEST_SESSION_KEYS.join(','), ...env } });
    running.push(api);
    return api;
  };

  test('an RPC on another chain than it is configured for refuses the start: exit 1, one clear line, no secret', async () => {
    const error = await start({ CHAIN_ID: '1', RPC_URLS: `1=${anvil.url}/?apikey=secret` }).then(() => undefined, (caught: unknown) => caught as Error);
    expect(error?.message).toMatch(/^the API exited with 1 before listening:\n/);
    const output = error!.message.split('\n').slice(1).filter(Boolean);
    // Everything but the one line is the JSON log.
    const plain = output.filter((line) => !line.startsWith('{'));
    expect(plain).toEqual([`wallet-login failed to start: RPC_URLS: the RPC configured for chain 1 (${anvil.url}) serves chain ${CHAIN_ID} (eth_chainId), not chain 1`]);
    expect(error!.message).not.toContain('secret');
  });

  test('an RPC that does not answer does not stop the start: a warning, and /readyz lists it without being unavailable', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const api = await start({ CHAIN_ID: String(CHAIN_ID), RPC_URLS: `${CHAIN_ID}=${down}`, RPC_TIMEOUT_MS: '500' });
    expect(api.logs()).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 40, chainId: CHAIN_ID, rpc: down, msg: expect.stringContaining('asked again before its first use') }),
    ]));
    const readyz = await fetch(`${api.url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({
      status: 'ready',
      dependencies: [{ name: 'sqlite', ok: true }, { name: `rpc:${CHAIN_ID}`, ok: false, error: expect.stringContaining('could not be reached') }],
    });
  });

  test('a contract wallet signs in through the real process on the right chain', async () => {
    const wallet = await deployed(70n);
    const port = await freePort();
    const api = await start({ PORT: String(port), PUBLIC_ORIGIN: `http://127.0.0.1:${port}`, CHAIN_ID: String(CHAIN_ID), RPC_URLS: `${CHAIN_ID}=${anvil.url}` });
    expect(api.logs()).toEqual(expect.arrayContaining([expect.objectContaining({ level: 30, chainId: CHAIN_ID, msg: `contract wallets on chain ${CHAIN_ID}: checked on ${anvil.url}` })]));
    const client = new Client(api.url);
    const { res } = await attempt(client, wallet, wrappedBy(TEST_KEYS.alice, 70n));
    expect(res.status).toBe(201);
    const metrics = await (await fetch(`${api.metricsUrl}`)).text();
    expect(metrics).toMatch(new RegExp(`wallet_login_rpc_checks_total\\{[^}]*chain="${CHAIN_ID}"[^}]*outcome="valid"[^}]*\\} 1`));
  });
});
