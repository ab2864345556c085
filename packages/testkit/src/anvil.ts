// A real local Ethereum chain for the tests: anvil (Foundry), from the `@foundry-rs/anvil` npm
// package, whose platform package ships the binary (nothing downloads). Started on a free
// 127.0.0.1 port with the chain id the test picks, with the test keys funded, and helpers that
// deploy the project's contracts (contracts/out, committed; never compiled here) and build the
// signatures a smart wallet gives: ERC-1271 from a deployed wallet, ERC-6492-wrapped from one not
// yet deployed. Transactions and ABI encoding go through viem.

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { viem, viemAccounts, type Viem } from '@wallet-login/api/chain/viem';
import walletArtifact from '../../../contracts/out/OwnedWallet.json';
import factoryArtifact from '../../../contracts/out/WalletFactory.json';
import { TEST_KEYS } from './keys';
import { freePort } from './ports';

type Abi = Viem.Abi;
type Address = Viem.Address;
type Hex = Viem.Hex;
type PublicClient = Viem.PublicClient;
type TestClient = Viem.TestClient;
type WalletClient = Viem.WalletClient;

/** The OwnedWallet contract (contracts/src/OwnedWallet.sol): ABI and creation bytecode. */
export const OWNED_WALLET = { abi: walletArtifact.abi as Abi, bytecode: walletArtifact.bytecode as Hex };
/** The WalletFactory contract (contracts/src/WalletFactory.sol): ABI and creation bytecode. */
export const WALLET_FACTORY = { abi: factoryArtifact.abi as Abi, bytecode: factoryArtifact.bytecode as Hex };

/** ERC-6492 §Specification: the 32 bytes a wrapped signature ends with. */
export const ERC6492_MAGIC_SUFFIX: Hex = '0x6492649264926492649264926492649264926492649264926492649264926492';

/**
 * The anvil binary inside the `@foundry-rs/anvil` package's linux-x64 platform package (its
 * optional dependency). The package's postinstall step, which would download a binary when the
 * platform package is missing, is not allowed to run (root package.json allowScripts).
 */
export function anvilBinaryPath(): string {
  const fromWrapper = createRequire(require.resolve('@foundry-rs/anvil/package.json'));
  try {
    return fromWrapper.resolve('@foundry-rs/anvil-linux-amd64/bin/anvil');
  } catch (error) {
    throw new Error(`anvil's binary is not installed (@foundry-rs/anvil-linux-amd64, linux x64 only): ${(error as Error).message}`);
  }
}

export interface StartAnvilOptions {
  /** The chain id anvil answers `eth_chainId` with. */
  chainId: number;
  /**
   * Private keys whose accounts get `fundEther` each at start.
   * @default the test kit's TEST_KEYS (alice, bob, carol)
   */
  fundedKeys?: readonly string[];
  /** @default 1000 */
  fundEther?: number;
  /** How long anvil may take to answer its first request, ms. @default 15000 */
  startTimeoutMs?: number;
}

export interface Anvil {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly chainId: number;
  /** Reads, calls and receipts. */
  readonly publicClient: PublicClient;
  /** anvil_* methods (balances, snapshots). */
  readonly testClient: TestClient;
  /** A wallet client that sends transactions signed by `privateKey`. */
  walletFor(privateKey: string): WalletClient;
  /** The deployed bytecode at `address` ('0x' when none), as `eth_getCode` answers. */
  codeAt(address: Address): Promise<Hex>;
  /** Kills anvil and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts anvil on a free 127.0.0.1 port; resolves once it answers `eth_chainId`. */
export async function startAnvil(options: StartAnvilOptions): Promise<Anvil> {
  const { chainId, fundedKeys = Object.values(TEST_KEYS), fundEther = 1000, startTimeoutMs = 15_000 } = options;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    anvilBinaryPath(),
    ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--accounts', '1', '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    output = `${output}${chunk.toString()}`.slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`anvil could not start: ${error.message}`)));
    child.once('exit', (code, signal) => reject(new Error(`anvil exited (${signal ?? code}) before answering:\n${output}`)));
  });
  failed.catch(() => undefined);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  // No retries: a test that needs the chain wants its failure at once.
  const transport = viem.http(url, { retryCount: 0, timeout: 5000 });
  const publicClient = viem.createPublicClient({ transport }) as PublicClient;
  const testClient = viem.createTestClient({ mode: 'anvil', transport }) as TestClient;
  try {
    const deadline = performance.now() + startTimeoutMs;
    for (;;) {
      try {
        const answered = await Promise.race([publicClient.getChainId(), failed]);
        if (answered !== chainId) throw new Error(`anvil answered chain id ${answered}, not ${chainId}`);
        break;
      } catch (error) {
        if (child.exitCode !== null || child.signalCode !== null || performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    for (const key of fundedKeys) {
      await testClient.setBalance({ address: viemAccounts.privateKeyToAccount(key as Hex).address, value: viem.parseEther(String(fundEther)) });
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    port,
    chainId,
    publicClient,
    testClient,
    walletFor: (privateKey) => viem.createWalletClient({ account: viemAccounts.privateKeyToAccount(privateKey as Hex), transport }),
    codeAt: async (address) => (await publicClient.getCode({ address })) ?? '0x',
    stop,
  };
}

/**
 * Starts anvil before the file's tests and stops it after them. The returned object reads
 * through to the running chain, so it can be taken at the top of a describe block.
 */
export function useAnvil(options: StartAnvilOptions): Anvil {
  let current: Anvil | undefined;
  beforeAll(async () => {
    current = await startAnvil(options);
  });
  afterAll(async () => {
    await current?.stop();
  });
  const running = (): Anvil => {
    if (current === undefined) throw new Error('anvil starts in beforeAll; use it inside tests');
    return current;
  };
  return {
    get url() { return running().url; },
    get port() { return running().port; },
    get chainId() { return running().chainId; },
    get publicClient() { return running().publicClient; },
    get testClient() { return running().testClient; },
    walletFor: (privateKey) => running().walletFor(privateKey),
    codeAt: (address) => running().codeAt(address),
    stop: () => running().stop(),
  };
}

/** Sends a transaction and waits for it to be mined (anvil mines each at once); throws on a revert. */
async function sendAndWait(anvil: Anvil, senderKey: string, send: (wallet: WalletClient) => Promise<Hex>) {
  const hash = await send(anvil.walletFor(senderKey));
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

export interface DeployFactoryOptions {
  /** Sends the deployment; must be funded. @default TEST_KEYS.carol */
  deployerKey?: string;
}

/** Deploys the WalletFactory; resolves to its address. */
export async function deployFactory(anvil: Anvil, { deployerKey = TEST_KEYS.carol }: DeployFactoryOptions = {}): Promise<Address> {
  const receipt = await sendAndWait(anvil, deployerKey, (wallet) =>
    wallet.deployContract({ abi: WALLET_FACTORY.abi, bytecode: WALLET_FACTORY.bytecode, account: wallet.account!, chain: null }),
  );
  if (!receipt.contractAddress) throw new Error('the factory deployment made no contract');
  return receipt.contractAddress;
}

export interface WalletSpec {
  /** The WalletFactory's address. */
  factory: Address;
  /** The wallet's first owner. */
  owner: Address;
  /** Tells apart wallets of the same owner. @default 0 */
  salt?: bigint;
}

const saltHex = (salt: bigint = 0n): Hex => `0x${salt.toString(16).padStart(64, '0')}`;

/** The calldata of `createWallet(owner, salt)`: what an ERC-6492 signature carries. */
export function walletFactoryCalldata({ owner, salt }: Omit<WalletSpec, 'factory'>): Hex {
  return viem.encodeFunctionData({ abi: WALLET_FACTORY.abi, functionName: 'createWallet', args: [owner, saltHex(salt)] });
}

/** The wallet's address, deployed or not (the factory's `walletAddress`, an eth_call). */
export async function walletAddress(anvil: Anvil, { factory, owner, salt }: WalletSpec): Promise<Address> {
  return (await anvil.publicClient.readContract({
    address: factory, abi: WALLET_FACTORY.abi, functionName: 'walletAddress', args: [owner, saltHex(salt)],
  })) as Address;
}

/** Deploys the wallet through the factory (a no-op when it exists); resolves to its address. */
export async function deployWallet(anvil: Anvil, spec: WalletSpec & { senderKey?: string }): Promise<Address> {
  const { factory, senderKey = TEST_KEYS.carol } = spec;
  await sendAndWait(anvil, senderKey, (wallet) =>
    wallet.sendTransaction({ to: factory, data: walletFactoryCalldata(spec), account: wallet.account!, chain: null }),
  );
  const address = await walletAddress(anvil, spec);
  if ((await anvil.codeAt(address)) === '0x') throw new Error(`no wallet at ${address} after createWallet`);
  return address;
}

/** `setOwner(newOwner)` on a deployed wallet, sent by its current owner. */
export async function setWalletOwner(anvil: Anvil, { wallet, ownerKey, newOwner }: { wallet: Address; ownerKey: string; newOwner: Address }): Promise<void> {
  await sendAndWait(anvil, ownerKey, (client) =>
    client.writeContract({ address: wallet, abi: OWNED_WALLET.abi, functionName: 'setOwner', args: [newOwner], account: client.account!, chain: null }),
  );
}

/** The wallet's current owner. */
export async function walletOwner(anvil: Anvil, wallet: Address): Promise<Address> {
  return (await anvil.publicClient.readContract({ address: wallet, abi: OWNED_WALLET.abi, functionName: 'owner' })) as Address;
}

/**
 * ERC-6492 §Specification: `abi.encode(factory, factoryCalldata, signature) ++ magicSuffix`, the
 * signature of a wallet that may not be deployed yet; a verifier runs the factory call first.
 */
export function wrapErc6492Signature({ factory, owner, salt, signature }: WalletSpec & { signature: string }): Hex {
  return viem.serializeErc6492Signature({ address: factory, data: walletFactoryCalldata({ owner, salt }), signature: signature as Hex });
}
