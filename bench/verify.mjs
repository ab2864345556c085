// Benchmark: signer recoveries per second over the same 1,000 (key, EIP-4361 message) pairs, for
// raw native libsecp256k1 + native Keccak (no checks: the ceiling), this project's fast path and
// pure path (both with the strict format checks and EIP-55), @noble/curves as the project
// installs it, ethers and web3. Single thread; runs interleaved, median of 7 each, timed on CPU
// time and on the wall clock; every figure printed beside its ratio to raw native.
// Then, after those (so they are timed as before), what a contract wallet's sign-in adds: the
// on-chain check (one eth_call of the ERC-6492 validator, as the server makes it) against a local
// anvil, for a deployed ERC-1271 wallet and an ERC-6492-wrapped one not yet deployed: per-check
// latency, one check at a time.
//   npm run bench:verify
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  createChallengeMessage,
  hashMessage,
  recoverAddressPure,
  recoverMessageAddress,
  privateKeyToAddress,
} from '@wallet-login/challenge';
import { loadRecoverAddress } from '@wallet-login/challenge/native';
import { verifyMessage } from 'ethers';
import { Web3 } from 'web3';

const PAIRS = 1_000;
const RUNS = 7;
const root = new URL('..', import.meta.url).pathname;
const requireFromChallenge = createRequire(`${root}packages/challenge/package.json`);
const secp256k1Native = requireFromChallenge('secp256k1/bindings');
const createKeccak = requireFromChallenge('keccak/bindings');
const { secp256k1: noble } = requireFromChallenge('@noble/curves/secp256k1');
const { keccak_256 } = requireFromChallenge('@noble/hashes/sha3');
// @noble/curves does not export its package.json; find it beside its entry point.
const noblePackage = (entry) => {
  for (let dir = dirname(entry); dir !== '/'; dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {}
  }
  return { version: '?' };
};
const nobleVersion = noblePackage(requireFromChallenge.resolve('@noble/curves/secp256k1')).version;
const web3 = new Web3();
const fast = loadRecoverAddress();

// The messages the server issues: EIP-4361, the zero address standing in for the signer.
const pairs = Array.from({ length: PAIRS }, (_, i) => {
  const privateKey = randomBytes(32);
  const message = createChallengeMessage({
    format: 'siwe', challenge: { sid: randomBytes(16).toString('hex'), timestamp: 1_800_000_000_000 + i },
    domain: 'login.example.com', uri: 'https://login.example.com', chainId: 1,
    statement: 'Sign in to login.example.com.', expiresAt: 1_800_000_300_000 + i,
  });
  const { signature, recid } = secp256k1Native.ecdsaSign(hashMessage(message), privateKey);
  const hex = `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}`;
  return { message, hexMessage: web3.utils.utf8ToHex(message), signature: hex, address: privateKeyToAddress(`0x${privateKey.toString('hex')}`) };
});

const keccakNative = (...chunks) => {
  const hash = createKeccak('keccak256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest();
};

// Each returns the signer's address; lower-case where the library gives no checksum.
const candidates = [
  ['raw native (libsecp256k1 + keccak, no checks)', (p) => {
    const bytes = Buffer.from(p.message, 'utf8');
    const hash = keccakNative(Buffer.from(`\x19Ethereum Signed Message:\n${bytes.length}`), bytes);
    const signature = Buffer.from(p.signature.slice(2, 130), 'hex');
    const publicKey = secp256k1Native.ecdsaRecover(signature, parseInt(p.signature.slice(130), 16) - 27, hash, false);
    return `0x${keccakNative(Buffer.from(publicKey.buffer, publicKey.byteOffset + 1, 64)).toString('hex', 12)}`;
  }],
  [`wallet-login fast path (strict, ${fast.path})`, (p) => recoverMessageAddress({ message: p.message, signature: p.signature, recover: fast.recover })],
  ['wallet-login pure path (strict, noble)', (p) => recoverMessageAddress({ message: p.message, signature: p.signature, recover: recoverAddressPure })],
  [`@noble/curves ${nobleVersion} (no checks)`, (p) => {
    const signature = noble.Signature.fromCompact(p.signature.slice(2, 130)).addRecoveryBit(parseInt(p.signature.slice(130), 16) - 27);
    const publicKey = signature.recoverPublicKey(hashMessage(p.message)).toRawBytes(false);
    return `0x${Buffer.from(keccak_256(publicKey.subarray(1))).toString('hex', 12)}`;
  }],
  ['ethers 6 verifyMessage', (p) => verifyMessage(p.message, p.signature)],
  ['web3 4 accounts.recover', (p) => web3.eth.accounts.recover(p.hexMessage, p.signature)],
];

for (const [name, recover] of candidates) {
  for (const p of pairs) {
    if (recover(p).toLowerCase() !== p.address.toLowerCase()) throw new Error(`${name} recovered a wrong address`);
  }
}

// Each run times every candidate once, back to back, on the process's CPU time (so other load on
// the machine hardly moves the figures) and on the wall clock.
const cpuRates = new Map(candidates.map(([name]) => [name, []]));
const wallRates = new Map(candidates.map(([name]) => [name, []]));
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
for (let run = 0; run < RUNS; run++) {
  for (const [name, recover] of candidates) {
    const cpu = cpuSeconds();
    const start = performance.now();
    for (const p of pairs) recover(p);
    wallRates.get(name).push(PAIRS / ((performance.now() - start) / 1000));
    cpuRates.get(name).push(PAIRS / (cpuSeconds() - cpu));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ceiling = candidates[0][0];
// The ratio is the median of each run's ratio to the raw native run beside it.
const ratio = (name) => median(cpuRates.get(name).map((rate, run) => rate / cpuRates.get(ceiling)[run]));

console.log(`recoveries per second, ${PAIRS} EIP-4361 pairs, median of ${RUNS} runs, single thread (node ${process.version})`);
console.log(`fast path in use: ${fast.path}${fast.reason ? ` (${fast.reason})` : ''}`);
console.log('| recovery | per CPU second | per wall second | × raw native |');
console.log('|---|---:|---:|---:|');
for (const [name] of candidates) {
  console.log(`| ${name} | ${median(cpuRates.get(name)).toFixed(0)} | ${median(wallRates.get(name)).toFixed(0)} | ${ratio(name).toFixed(2)} |`);
}

// ---- contract wallets: the on-chain check against a local chain ----

const CONTRACT_CHECKS = 300;
const CHAIN_ID = 31337;
const requireFromApi = createRequire(`${root}apps/api/package.json`);
const requireFromTestkit = createRequire(`${root}packages/testkit/package.json`);

/** The anvil binary of the `@foundry-rs/anvil` package (its linux-x64 platform package), or undefined. */
function anvilBinary() {
  try {
    return createRequire(requireFromTestkit.resolve('@foundry-rs/anvil/package.json')).resolve('@foundry-rs/anvil-linux-amd64/bin/anvil');
  } catch {
    return undefined;
  }
}

const freePort = () => new Promise((resolve, reject) => {
  const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

async function benchContractWallets() {
  const binary = anvilBinary();
  if (binary === undefined) {
    console.log('\ncontract-wallet check: not run (anvil is not installed: @foundry-rs/anvil-linux-amd64, linux x64 only)');
    return;
  }
  const { viem, viemAccounts } = requireFromApi('./dist/chain/viem.js');
  const { createContractWalletVerifier } = requireFromApi('./dist/chain/index.js');
  const factoryArtifact = JSON.parse(readFileSync(`${root}contracts/out/WalletFactory.json`, 'utf8'));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const anvil = spawn(binary, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(CHAIN_ID), '--accounts', '1', '--quiet'], { stdio: 'ignore' });
  try {
    const transport = viem.http(url, { retryCount: 0 });
    const client = viem.createPublicClient({ transport });
    for (let tries = 0; ; tries += 1) {
      try {
        await client.getChainId();
        break;
      } catch (error) {
        if (tries > 300) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const ownerKey = `0x${randomBytes(32).toString('hex')}`;
    const owner = viemAccounts.privateKeyToAccount(ownerKey);
    await viem.createTestClient({ mode: 'anvil', transport }).setBalance({ address: owner.address, value: viem.parseEther('10') });
    const sender = viem.createWalletClient({ account: owner, transport });
    const mined = async (hash) => {
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
      return receipt;
    };
    const factory = (await mined(await sender.deployContract({ abi: factoryArtifact.abi, bytecode: factoryArtifact.bytecode, chain: null }))).contractAddress;
    const saltOf = (salt) => `0x${salt.toString(16).padStart(64, '0')}`;
    const calldata = (salt) => viem.encodeFunctionData({ abi: factoryArtifact.abi, functionName: 'createWallet', args: [owner.address, saltOf(salt)] });
    const addressOf = (salt) => client.readContract({ address: factory, abi: factoryArtifact.abi, functionName: 'walletAddress', args: [owner.address, saltOf(salt)] });
    await mined(await sender.sendTransaction({ to: factory, data: calldata(1n), chain: null }));
    const deployed = await addressOf(1n);
    const undeployed = await addressOf(2n);

    const verifier = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url }], timeoutMs: 3000 });
    await verifier.start();
    const messageFor = (address, i) => createChallengeMessage({
      format: 'siwe', challenge: { sid: randomBytes(12).toString('hex'), timestamp: 1_800_000_000_000 + i }, address,
      domain: 'login.example.com', uri: 'https://login.example.com', chainId: CHAIN_ID,
      statement: 'Sign in to login.example.com.', expiresAt: 1_800_000_300_000 + i,
    });
    const cases = [
      ['ERC-1271, deployed wallet (65-byte owner signature)', async (i) => {
        const message = messageFor(deployed, i);
        return { address: deployed, message, signature: await owner.signMessage({ message }) };
      }],
      ['ERC-6492, wallet not yet deployed (wrapped signature)', async (i) => {
        const message = messageFor(undeployed, i);
        const signature = viem.serializeErc6492Signature({ address: factory, data: calldata(2n), signature: await owner.signMessage({ message }) });
        return { address: undeployed, message, signature };
      }],
    ];

    console.log(`\ncontract-wallet check per sign-in: one eth_call of the ERC-6492 validator to a local anvil over HTTP, ${CONTRACT_CHECKS} checks one at a time, after ${CONTRACT_CHECKS / 10} to warm up (node ${process.version})`);
    console.log('| contract-wallet check (local anvil) | signature bytes | checks per second | median ms | p95 ms |');
    console.log('|---|---:|---:|---:|---:|');
    const warmUp = CONTRACT_CHECKS / 10;
    for (const [name, make] of cases) {
      const inputs = [];
      for (let i = 0; i < warmUp + CONTRACT_CHECKS; i += 1) inputs.push(await make(i));
      const latencies = [];
      for (const { address, message, signature } of inputs) {
        const begun = performance.now();
        const { valid } = await verifier.verifyContractSignature({ chainId: CHAIN_ID, address, message, signature });
        latencies.push(performance.now() - begun);
        if (!valid) throw new Error(`${name}: the chain refused a valid signature`);
      }
      const measured = latencies.slice(warmUp);
      const total = measured.reduce((sum, ms) => sum + ms, 0);
      const p95 = [...measured].sort((a, b) => a - b)[Math.floor(measured.length * 0.95)];
      console.log(`| ${name} | ${(inputs[0].signature.length - 2) / 2} | ${(CONTRACT_CHECKS / (total / 1000)).toFixed(0)} | ${median(measured).toFixed(2)} | ${p95.toFixed(2)} |`);
    }
    if ((await client.getCode({ address: undeployed })) !== undefined) throw new Error('the ERC-6492 checks deployed the wallet');
  } finally {
    anvil.kill('SIGKILL');
  }
}

await benchContractWallets();
