// Contract-wallet signatures checked on a real local chain (anvil): the project's OwnedWallet
// (ERC-1271) deployed through its CREATE2 factory, or not yet deployed and signing with an
// ERC-6492 wrapper; the wallet's owner rotated; and RPCs that are down, silent, erroring, on the
// wrong chain. Every check is counted at the RPC: one eth_call each.

import { createSiweMessage } from '@wallet-login/challenge';
import {
  TEST_KEYS, deployFactory, deployWallet, freePort, privateKeyToAddress, setWalletOwner, signMessage, useAnvil,
  walletAddress, walletFactoryCalldata, walletOwner, wrapErc6492Signature, OWNED_WALLET, WALLET_FACTORY,
} from '@wallet-login/testkit';
import { ChainError, isChainError } from '@wallet-login/api/chain/errors';
import { createContractWalletVerifier, MAX_CONTRACT_SIGNATURE_BYTES, type RpcCheckOutcome } from '@wallet-login/api/chain/verify';
import { viem, viemActions, type Viem } from '@wallet-login/api/chain/viem';
import { startCountingProxy, startScriptedRpc, startSilentServer, type CountingProxy } from './rpcServers';

const CHAIN_ID = 84532;
const TIMEOUT_MS = 1500;
/** The bound every failing check must answer within: the timeout plus a second. */
const BOUND_MS = TIMEOUT_MS + 1000;

const owner = privateKeyToAddress(TEST_KEYS.alice) as Viem.Address;
const stranger = privateKeyToAddress(TEST_KEYS.bob) as Viem.Address;

/** The EIP-4361 message a sign-in of `address` on the test chain would sign. */
const messageFor = (address: string, nonce = 'a1B2c3D4e5F6g7H8') =>
  createSiweMessage({
    domain: 'login.example.test',
    address: viem.getAddress(address),
    statement: 'Sign in with your Ethereum account.',
    uri: 'https://login.example.test',
    version: '1',
    chainId: CHAIN_ID,
    nonce,
    issuedAt: '2030-01-01T00:00:00.000Z',
  });

const sign = (message: string, privateKey: string) => signMessage({ message, privateKey });

const anvil = useAnvil({ chainId: CHAIN_ID });
let factory: Viem.Address;
/** The owner's wallet, deployed (salt 1). */
let deployedWallet: Viem.Address;
let proxy: CountingProxy;
const observed: { outcome: RpcCheckOutcome; ms: number; method: string; reason?: string }[] = [];
let verifier: ReturnType<typeof createContractWalletVerifier>;

beforeAll(async () => {
  factory = await deployFactory(anvil);
  deployedWallet = await deployWallet(anvil, { factory, owner, salt: 1n });
  proxy = await startCountingProxy(anvil.url);
  verifier = createContractWalletVerifier({
    rpcUrls: [{ chainId: CHAIN_ID, url: proxy.url }],
    timeoutMs: TIMEOUT_MS,
    observe: (outcome, ms, { method, reason }) => observed.push({ outcome, ms, method, ...(reason === undefined ? {} : { reason }) }),
  });
  await expect(verifier.start()).resolves.toEqual([{ chainId: CHAIN_ID, endpoint: proxy.url, state: 'ready' }]);
  expect(proxy.methods()).toEqual(['eth_chainId']);
});

beforeEach(() => {
  proxy.reset();
  observed.length = 0;
});

afterAll(async () => {
  await proxy?.close();
});

/** A check through `target` of some wallet's signature, for RPCs whose verdict is never reached. */
const check = (target: ReturnType<typeof createContractWalletVerifier>, chainId = CHAIN_ID) => {
  const wallet = '0x000000000000000000000000000000000000dEaD';
  const message = messageFor(wallet);
  return target.verifyContractSignature({ chainId, address: wallet, message, signature: sign(message, TEST_KEYS.alice) });
};

/** Runs `check` and expects exactly one request at the RPC, an eth_call. */
async function oneCall<T>(check: () => Promise<T>): Promise<T> {
  const result = await check();
  expect(proxy.requests).toEqual([['eth_call']]);
  return result;
}

/** Expects `promise` to reject with ChainError rpc_unavailable within BOUND_MS; returns the error. */
async function expectUnavailable(promise: Promise<unknown>): Promise<ChainError> {
  const started = performance.now();
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
  expect(isChainError(error, 'rpc_unavailable')).toBe(true);
  return error as ChainError;
}

describe('a deployed wallet (ERC-1271)', () => {
  let wallet: Viem.Address;
  beforeAll(() => {
    wallet = deployedWallet;
  });

  test('the factory deploys at the CREATE2 address (EIP-1014) it computes', async () => {
    const initCode = viem.encodeDeployData({ abi: OWNED_WALLET.abi, bytecode: OWNED_WALLET.bytecode, args: [owner] });
    const salt = `0x${'1'.padStart(64, '0')}` as Viem.Hex;
    expect(viem.getContractAddress({ opcode: 'CREATE2', from: factory, salt, bytecode: initCode })).toBe(wallet);
    expect(await walletAddress(anvil, { factory, owner, salt: 1n })).toBe(wallet);
    expect(await walletOwner(anvil, wallet)).toBe(owner);
  });

  test("signs in with its owner's signature, with one eth_call", async () => {
    const message = messageFor(wallet);
    const result = await oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature: sign(message, TEST_KEYS.alice) }));
    expect(result).toEqual({ valid: true, method: 'erc1271' });
    expect(observed).toEqual([expect.objectContaining({ outcome: 'valid', method: 'erc1271' })]);
    expect(observed[0]!.ms).toBeGreaterThan(0);
  });

  test("refuses a stranger's signature", async () => {
    const message = messageFor(wallet);
    const result = await oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature: sign(message, TEST_KEYS.bob) }));
    expect(result).toEqual({ valid: false, method: 'erc1271' });
    expect(observed).toEqual([expect.objectContaining({ outcome: 'invalid' })]);
  });

  test("refuses the owner's signature of another message", async () => {
    const message = messageFor(wallet);
    const other = messageFor(wallet, 'zzzzzzzzzzzzzzzz');
    const result = await oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature: sign(other, TEST_KEYS.alice) }));
    expect(result.valid).toBe(false);
  });

  test('a malformed signature is the chain saying no, not an RPC failure', async () => {
    const message = messageFor(wallet);
    await expect(oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature: '0x1234' })))
      .resolves.toEqual({ valid: false, method: 'erc1271' });
  });

  test('the mixed-case or lower-case address is the same wallet', async () => {
    const message = messageFor(wallet);
    const result = await verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet.toLowerCase(), message, signature: sign(message, TEST_KEYS.alice) });
    expect(result).toEqual({ valid: true, method: 'erc1271' });
  });
});

describe('a wallet not deployed yet (ERC-6492)', () => {
  const salt = 2n;
  let wallet: Viem.Address;
  beforeAll(async () => {
    wallet = await walletAddress(anvil, { factory, owner, salt });
  });

  test("signs in with its owner's wrapped signature, and stays undeployed", async () => {
    expect(await anvil.codeAt(wallet)).toBe('0x');
    const message = messageFor(wallet);
    const signature = wrapErc6492Signature({ factory, owner, salt, signature: sign(message, TEST_KEYS.alice) });
    expect(signature.endsWith('6492'.repeat(16))).toBe(true);
    const result = await oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature }));
    expect(result).toEqual({ valid: true, method: 'erc6492' });
    expect(observed).toEqual([expect.objectContaining({ outcome: 'valid', method: 'erc6492' })]);
    expect(await anvil.codeAt(wallet)).toBe('0x');
  });

  test("refuses a stranger's wrapped signature", async () => {
    const message = messageFor(wallet);
    const signature = wrapErc6492Signature({ factory, owner, salt, signature: sign(message, TEST_KEYS.bob) });
    await expect(oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature })))
      .resolves.toEqual({ valid: false, method: 'erc6492' });
    expect(await anvil.codeAt(wallet)).toBe('0x');
  });

  test('refuses a wrapper whose factory call makes another wallet', async () => {
    const message = messageFor(wallet);
    // The stranger's own wallet (owner = stranger), claimed for the owner's address.
    const signature = wrapErc6492Signature({ factory, owner: stranger, salt, signature: sign(message, TEST_KEYS.bob) });
    await expect(oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature })))
      .resolves.toEqual({ valid: false, method: 'erc6492' });
  });

  test('a wrapped signature still signs in after the wallet is deployed', async () => {
    const deployedSalt = 3n;
    const target = await walletAddress(anvil, { factory, owner, salt: deployedSalt });
    const message = messageFor(target);
    const inner = sign(message, TEST_KEYS.alice);
    const signature = wrapErc6492Signature({ factory, owner, salt: deployedSalt, signature: inner });
    expect(await verifier.verifyContractSignature({ chainId: CHAIN_ID, address: target, message, signature })).toEqual({ valid: true, method: 'erc6492' });
    await deployWallet(anvil, { factory, owner, salt: deployedSalt });
    expect(await anvil.codeAt(target)).not.toBe('0x');
    proxy.reset();
    await expect(oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: target, message, signature })))
      .resolves.toEqual({ valid: true, method: 'erc6492' });
    proxy.reset();
    await expect(oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: target, message, signature: inner })))
      .resolves.toEqual({ valid: true, method: 'erc1271' });
  });

  test('the wrapper carries the factory and its createWallet calldata (ERC-6492 §Specification)', () => {
    const signature = wrapErc6492Signature({ factory, owner, salt, signature: '0x1234' });
    const parsed = viem.parseErc6492Signature(signature);
    expect(parsed).toEqual({ address: expect.any(String), data: walletFactoryCalldata({ owner, salt }), signature: '0x1234' });
    expect(viem.isAddressEqual(parsed.address!, factory)).toBe(true);
    expect(viem.decodeFunctionData({ abi: WALLET_FACTORY.abi, data: walletFactoryCalldata({ owner, salt }) }).functionName).toBe('createWallet');
  });
});

describe('an owner rotated after sign-in', () => {
  test("the old owner's signature no longer verifies; the new owner's does", async () => {
    const wallet = await deployWallet(anvil, { factory, owner, salt: 4n });
    const message = messageFor(wallet);
    const stored = sign(message, TEST_KEYS.alice);
    expect(await verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature: stored })).toEqual({ valid: true, method: 'erc1271' });

    await setWalletOwner(anvil, { wallet, ownerKey: TEST_KEYS.alice, newOwner: stranger });
    expect(await walletOwner(anvil, wallet)).toBe(stranger);

    proxy.reset();
    // The re-check of a stored login signature is the same call.
    await expect(oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature: stored })))
      .resolves.toEqual({ valid: false, method: 'erc1271' });
    await expect(verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature: sign(message, TEST_KEYS.bob) }))
      .resolves.toEqual({ valid: true, method: 'erc1271' });
  });
});

describe('decided without an RPC request', () => {
  test("an EOA's own signature, even the malleable high-s twin the strict check refuses (EIP-2), is not a contract signature", async () => {
    const message = messageFor(owner);
    const signature = sign(message, TEST_KEYS.alice);
    const { r, s, v } = viem.parseSignature(signature as Viem.Hex);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const twin = viem.serializeSignature({ r, s: viem.numberToHex(n - viem.hexToBigInt(s), { size: 32 }), v: v === 27n ? 28n : 27n });
    expect(viem.isAddressEqual(await viem.recoverMessageAddress({ message, signature: twin }), owner)).toBe(true);
    for (const candidate of [signature, twin]) {
      expect(await verifier.verifyContractSignature({ chainId: CHAIN_ID, address: owner, message, signature: candidate })).toEqual({ valid: false, method: 'erc1271' });
    }
    expect(proxy.requests).toEqual([]);
    expect(observed).toEqual([]);
  });

  test('nothing is valid for the zero address', async () => {
    const message = messageFor(viem.zeroAddress);
    await expect(verifier.verifyContractSignature({ chainId: CHAIN_ID, address: viem.zeroAddress, message, signature: sign(message, TEST_KEYS.alice) }))
      .resolves.toEqual({ valid: false, method: 'erc1271' });
    expect(proxy.requests).toEqual([]);
  });

  test.each([
    ['a signature without 0x', { signature: 'abcd' }, 'The signature must be 0x followed by an even number of hex digits.'],
    ['an odd number of hex digits', { signature: '0xabc' }, 'The signature must be 0x followed by an even number of hex digits.'],
    ['an empty signature', { signature: '0x' }, 'The signature must be 0x followed by an even number of hex digits.'],
    ['16 KiB + 1 byte', { signature: `0x${'ab'.repeat(MAX_CONTRACT_SIGNATURE_BYTES + 1)}` }, `The signature must be at most ${MAX_CONTRACT_SIGNATURE_BYTES} bytes.`],
    ['a malformed address', { address: '0x1234' }, 'The address must be 0x followed by 40 hex digits.'],
    ['a chain id of 0', { chainId: 0 }, 'The chain id must be a whole number from 1.'],
  ])('%s is invalid_parameter', async (_, change, message) => {
    const parameters = { chainId: CHAIN_ID, address: owner as string, message: messageFor(owner), signature: '0x1234', ...change };
    await expect(verifier.verifyContractSignature(parameters)).rejects.toMatchObject({ code: 'invalid_parameter', message });
    expect(proxy.requests).toEqual([]);
  });

  test('16 KiB exactly goes to the chain', async () => {
    const wallet = deployedWallet;
    await expect(oneCall(() => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message: messageFor(wallet), signature: `0x${'ab'.repeat(MAX_CONTRACT_SIGNATURE_BYTES)}` })))
      .resolves.toEqual({ valid: false, method: 'erc1271' });
  });

  test('a chain without an RPC is chain_not_configured', async () => {
    await expect(verifier.verifyContractSignature({ chainId: 1, address: owner, message: messageFor(owner), signature: '0x1234' }))
      .rejects.toMatchObject({ code: 'chain_not_configured', chainId: 1 });
    expect(verifier.hasChain(1)).toBe(false);
    expect(verifier.hasChain(CHAIN_ID)).toBe(true);
    expect(verifier.chainIds).toEqual([CHAIN_ID]);
  });
});

describe('an RPC that cannot decide is unavailable, never "invalid"', () => {
  test('down (nothing listens): start-up goes on, each check fails as unavailable within the bound', async () => {
    const port = await freePort();
    const outcomes: RpcCheckOutcome[] = [];
    const down = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: `http://127.0.0.1:${port}/v2/secret-key` }], timeoutMs: TIMEOUT_MS, observe: (outcome) => outcomes.push(outcome) });
    const [started] = await down.start();
    expect(started).toMatchObject({ chainId: CHAIN_ID, endpoint: `http://127.0.0.1:${port}`, state: 'unreachable' });
    expect(started!.error).toContain('could not be reached');
    const error = await expectUnavailable(check(down));
    expect(error).toMatchObject({ chainId: CHAIN_ID, reason: 'unreachable' });
    expect(error.message).toBe(`the RPC for chain ${CHAIN_ID} (http://127.0.0.1:${port}) could not be reached (ECONNREFUSED)`);
    expect(error.message).not.toContain('secret-key');
    expect(outcomes).toEqual(['unavailable']);
    expect(await down.check()).toEqual([expect.objectContaining({ name: `rpc:${CHAIN_ID}`, ok: false })]);
  });

  test("where viem's own verifyHash would read the same down RPC as a false signature (why it is not used)", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const wallet = deployedWallet;
    const message = messageFor(wallet);
    const signature = sign(message, TEST_KEYS.alice) as Viem.Hex;
    const client = viem.createPublicClient({ transport: viem.http(url, { retryCount: 0 }) });
    await expect(viemActions.verifyHash(client, { address: wallet, hash: viem.hashMessage(message), signature })).resolves.toBe(false);
    const ours = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url }], timeoutMs: TIMEOUT_MS });
    await expectUnavailable(ours.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature }));
    // The same wallet and signature through a live RPC: valid.
    await expect(verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature })).resolves.toEqual({ valid: true, method: 'erc1271' });
  });

  test('comes back: a later check asks eth_chainId once, then the call goes through', async () => {
    const port = await freePort();
    const late = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: `http://127.0.0.1:${port}` }], timeoutMs: TIMEOUT_MS });
    expect((await late.start())[0]!.state).toBe('unreachable');
    await expectUnavailable(check(late));
    const back = await startCountingProxy(anvil.url, port);
    try {
      const deployed = deployedWallet;
      const message = messageFor(deployed);
      back.reset();
      expect(await late.verifyContractSignature({ chainId: CHAIN_ID, address: deployed, message, signature: sign(message, TEST_KEYS.alice) })).toEqual({ valid: true, method: 'erc1271' });
      expect(back.requests).toEqual([['eth_chainId'], ['eth_call']]);
      back.reset();
      await late.verifyContractSignature({ chainId: CHAIN_ID, address: deployed, message, signature: sign(message, TEST_KEYS.alice) });
      expect(back.requests).toEqual([['eth_call']]);
      expect(await late.check()).toEqual([expect.objectContaining({ name: `rpc:${CHAIN_ID}`, ok: true })]);
    } finally {
      await back.close();
    }
  });

  test('silent (accepts the connection, never answers): unavailable within the bound', async () => {
    const silent = await startSilentServer();
    try {
      const stuck = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: silent.url }], timeoutMs: TIMEOUT_MS });
      const startedAt = performance.now();
      expect((await stuck.start())[0]).toMatchObject({ state: 'unreachable', error: `the RPC for chain ${CHAIN_ID} (${silent.url}) gave no answer within ${TIMEOUT_MS} ms` });
      expect(performance.now() - startedAt).toBeLessThan(BOUND_MS);
      const error = await expectUnavailable(check(stuck));
      expect(error.reason).toBe('timeout');
      expect(silent.connections).toBeGreaterThanOrEqual(2);
    } finally {
      await silent.close();
    }
  });

  test('silent after it proved its chain: the eth_call itself times out within the bound', async () => {
    const stalling = await startCountingProxy(anvil.url);
    try {
      const outcomes: { outcome: RpcCheckOutcome; reason?: string }[] = [];
      const hanging = createContractWalletVerifier({
        rpcUrls: [{ chainId: CHAIN_ID, url: stalling.url }], timeoutMs: TIMEOUT_MS,
        observe: (outcome, _ms, { reason }) => outcomes.push({ outcome, ...(reason === undefined ? {} : { reason }) }),
      });
      expect((await hanging.start())[0]!.state).toBe('ready');
      stalling.hang();
      stalling.reset();
      const error = await expectUnavailable(check(hanging));
      expect(error.reason).toBe('timeout');
      expect(stalling.requests).toEqual([['eth_call']]);
      expect(outcomes).toEqual([{ outcome: 'unavailable', reason: 'timeout' }]);
    } finally {
      await stalling.close();
    }
  });

  test('a failed readiness probe does not make a proven chain ask eth_chainId again', async () => {
    const stalling = await startCountingProxy(anvil.url);
    try {
      const proven = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: stalling.url }], timeoutMs: TIMEOUT_MS });
      expect((await proven.start())[0]!.state).toBe('ready');
      stalling.hang();
      expect(await proven.check()).toEqual([expect.objectContaining({ name: `rpc:${CHAIN_ID}`, ok: false, error: expect.stringContaining('gave no answer') })]);
      stalling.reset();
      await expectUnavailable(check(proven));
      expect(stalling.requests).toEqual([['eth_call']]);
    } finally {
      await stalling.close();
    }
  });

  test.each([
    ['an HTTP 500', () => ({ status: 500, body: 'upstream failed', contentType: 'text/plain' }), 'rpc_error', 'answered HTTP 500'],
    ['an HTTP 429', () => ({ status: 429, body: 'slow down', contentType: 'text/plain' }), 'rpc_error', 'answered HTTP 429'],
    ['a JSON-RPC internal error', (id: unknown) => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'internal error' } }) }), 'rpc_error', 'answered JSON-RPC error -32603'],
    ['a rate limit', (id: unknown) => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32005, message: 'rate limited' } }) }), 'rpc_error', 'answered JSON-RPC error -32005'],
    ['a body that is not JSON', () => ({ status: 200, body: '<html>', contentType: 'text/html' }), 'bad_answer', 'not JSON-RPC'],
    ['a JSON body that is not JSON', () => ({ status: 200, body: '{"jsonrpc":' }), 'bad_answer', 'not JSON-RPC'],
    ['an answer that is not the validator\'s verdict', (id: unknown) => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id, result: '0x1234' }) }), 'bad_answer', "not the validator's verdict"],
    ['an empty answer', (id: unknown) => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id, result: '0x' }) }), 'bad_answer', "not the validator's verdict"],
  ])('%s is unavailable', async (_, answer, reason, text) => {
    const rpc = await startScriptedRpc({ chainId: CHAIN_ID, answer });
    try {
      const failing = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: rpc.url }], timeoutMs: TIMEOUT_MS });
      expect((await failing.start())[0]!.state).toBe('ready');
      const error = await expectUnavailable(check(failing));
      expect(error.reason).toBe(reason);
      expect(error.message).toContain(text);
    } finally {
      await rpc.close();
    }
  });

  test('a revert answered by the node is the chain saying no', async () => {
    const rpc = await startScriptedRpc({ chainId: CHAIN_ID, answer: (id) => ({ status: 200, body: JSON.stringify({ jsonrpc: '2.0', id, error: { code: 3, message: 'execution reverted', data: '0x' } }) }) });
    try {
      const reverting = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: rpc.url }], timeoutMs: TIMEOUT_MS });
      await expect(check(reverting)).resolves.toEqual({ valid: false, method: 'erc1271' });
    } finally {
      await rpc.close();
    }
  });
});

describe('the RPC serves another chain', () => {
  test('start-up refuses with one clear line', async () => {
    const wrong = createContractWalletVerifier({ rpcUrls: [{ chainId: 1, url: `${anvil.url}/?apikey=secret` }], timeoutMs: TIMEOUT_MS });
    const error = await wrong.start().then(() => undefined, (caught: unknown) => caught);
    expect(isChainError(error, 'chain_mismatch')).toBe(true);
    expect((error as ChainError).message).toBe(
      `RPC_URLS: the RPC configured for chain 1 (${anvil.url}) serves chain ${CHAIN_ID} (eth_chainId), not chain 1`,
    );
    expect((error as ChainError).message).not.toContain('\n');
    expect((error as ChainError).message).not.toContain('secret');
  });

  test('one wrong RPC among several refuses the start', async () => {
    const mixed = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: anvil.url }, { chainId: 10, url: anvil.url }], timeoutMs: TIMEOUT_MS });
    await expect(mixed.start()).rejects.toMatchObject({ code: 'chain_mismatch', chainId: 10 });
  });

  test('found on first use (start-up never asked): unavailable, and no eth_call is made', async () => {
    const counting = await startCountingProxy(anvil.url);
    try {
      const wrong = createContractWalletVerifier({ rpcUrls: [{ chainId: 1, url: counting.url }], timeoutMs: TIMEOUT_MS });
      const error = await expectUnavailable(check(wrong, 1));
      expect(error).toMatchObject({ reason: 'chain_mismatch', chainId: 1 });
      expect(counting.methods()).toEqual(['eth_chainId']);
      expect(await wrong.check()).toEqual([expect.objectContaining({ name: 'rpc:1', ok: false, error: `${counting.url} serves chain ${CHAIN_ID}, not 1` })]);
    } finally {
      await counting.close();
    }
  });
});

describe('concurrency and latency', () => {
  test('concurrent checks each make one eth_call, and answer in well under the timeout', async () => {
    const wallet = deployedWallet;
    const message = messageFor(wallet);
    const signature = sign(message, TEST_KEYS.alice);
    proxy.reset();
    observed.length = 0;
    const results = await Promise.all(Array.from({ length: 10 }, () => verifier.verifyContractSignature({ chainId: CHAIN_ID, address: wallet, message, signature })));
    expect(results.every((result) => result.valid)).toBe(true);
    expect(proxy.requests).toEqual(Array.from({ length: 10 }, () => ['eth_call']));
    expect(observed).toHaveLength(10);
    for (const { ms } of observed) expect(ms).toBeLessThan(TIMEOUT_MS);
  });
});
