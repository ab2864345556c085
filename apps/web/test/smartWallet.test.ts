// Signing in with a smart (contract) wallet, end to end in headless Chromium against a real local
// chain (anvil): an injected EIP-1193 wallet whose personal_sign answers for a contract address,
// with its owner's signature (ERC-1271, deployed) or an ERC-6492 wrapper kilobytes long (not yet
// deployed). The page is unchanged for it, and says "smart wallet" beside the address.

import { expectAccessible, useE2e } from './harness';
import {
  chooseWallet, deployFactory, deployWallet, serverSession, shortAddress, SIGNED_IN_HEADING, TEST_KEYS, TestWallet, privateKeyToAddress,
  useAnvil, walletAddress, wrapErc6492Signature, type TestServer,
} from '@wallet-login/testkit';
import { createContractWalletVerifier } from '@wallet-login/api/chain';

// The test wallet answers eth_chainId with chain 1, and the test server issues Chain ID 1.
const CHAIN_ID = 1;

const anvil = useAnvil({ chainId: CHAIN_ID });
const e2e = useE2e({ registration: 'open' });
const owner = privateKeyToAddress(TEST_KEYS.alice) as `0x${string}`;
let factory: `0x${string}`;
let server: TestServer;

beforeAll(async () => {
  factory = await deployFactory(anvil);
  const contractWallets = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: anvil.url }], timeoutMs: 3000 });
  await contractWallets.start();
  server = await e2e.startServer({ registration: 'open', deps: { contractWallets } });
}, 60_000);

test('a deployed smart wallet (ERC-1271) signs in from the page, which says "smart wallet" beside its address', async () => {
  const address = await deployWallet(anvil, { factory, owner, salt: 1n });
  const wallet = new TestWallet({ keys: [TEST_KEYS.alice], name: 'Smart Wallet', smartWallet: { address } });
  const page = await e2e.open({ wallets: [wallet], server });

  await chooseWallet(page, 'Smart Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  expect(wallet.signed[0]).toContain(`\n${address}\n`);
  expect(wallet.signatures[0]).toHaveLength(2 + 65 * 2);
  await expect(page.getByTestId('address').textContent()).resolves.toBe(shortAddress(address));
  await expect(page.getByTestId('wallet-kind').textContent()).resolves.toBe('smart wallet');
  await expect(serverSession(page)).resolves.toEqual({ status: 200, address });
  await expectAccessible(page, 'signed in with a smart wallet');

  // Still one after a reload (the page reads it from /me).
  await page.reload();
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(page.getByTestId('wallet-kind').textContent()).resolves.toBe('smart wallet');
});

test('a smart wallet not deployed yet signs in with its ERC-6492 signature, and stays undeployed', async () => {
  const salt = 2n;
  const address = await walletAddress(anvil, { factory, owner, salt });
  const wallet = new TestWallet({
    keys: [TEST_KEYS.alice],
    name: 'Smart Wallet',
    smartWallet: { address, wrap: (signature) => wrapErc6492Signature({ factory, owner, salt, signature }) },
  });
  const page = await e2e.open({ wallets: [wallet], server });

  await chooseWallet(page, 'Smart Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  expect(wallet.signatures[0]!.length).toBeGreaterThan(500);
  await expect(page.getByTestId('wallet-kind').textContent()).resolves.toBe('smart wallet');
  await expect(serverSession(page)).resolves.toEqual({ status: 200, address });
  expect(await anvil.codeAt(address)).toBe('0x');
});

test('a key-pair wallet on the same server is not called a smart wallet', async () => {
  const wallet = new TestWallet({ keys: [TEST_KEYS.bob] });
  const page = await e2e.open({ wallets: [wallet], server });
  await chooseWallet(page, 'Test Wallet');
  await page.getByRole('heading', { name: SIGNED_IN_HEADING }).waitFor();
  await expect(page.getByTestId('address').textContent()).resolves.toBe(shortAddress(wallet.address));
  await expect(page.getByTestId('wallet-kind').count()).resolves.toBe(0);
});
