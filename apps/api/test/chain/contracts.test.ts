// The committed contract artifacts (contracts/out) are what the committed sources
// (contracts/src) compile to, and have the interface the tests and ERC-1271 rely on. Nothing is
// compiled here: `npm run contracts -- --check` does that.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OWNED_WALLET, WALLET_FACTORY } from '@wallet-login/testkit';
import { viem } from '@wallet-login/api/chain/viem';

const ROOT = join(__dirname, '../../../..');
const SOURCES = join(ROOT, 'contracts/src');
const artifact = (name: string) => JSON.parse(readFileSync(join(ROOT, 'contracts/out', `${name}.json`), 'utf8')) as { sourcesSha256: string; compiler: string };

test('the artifacts were built from the sources as they are (else run npm run contracts)', () => {
  // The hash contracts/build.mjs records: every .sol file, by name order, as name NUL content NUL.
  const hash = createHash('sha256');
  for (const name of readdirSync(SOURCES).filter((file) => file.endsWith('.sol')).sort()) {
    hash.update(`${name}\0${readFileSync(join(SOURCES, name), 'utf8')}\0`);
  }
  const expected = hash.digest('hex');
  for (const name of ['OwnedWallet', 'WalletFactory']) {
    expect(artifact(name).sourcesSha256).toBe(expected);
    expect(artifact(name).compiler).toMatch(/^solc 0\.8\.37\+/);
  }
});

test('the wallet has ERC-1271 isValidSignature and setOwner; the factory createWallet and walletAddress', () => {
  const signatures = (abi: typeof OWNED_WALLET.abi) =>
    abi.filter((item) => item.type === 'function').map((item) => viem.toFunctionSignature(item as never)).sort();
  expect(signatures(OWNED_WALLET.abi)).toEqual(['isValidSignature(bytes32,bytes)', 'owner()', 'setOwner(address)']);
  expect(signatures(WALLET_FACTORY.abi)).toEqual(['createWallet(address,bytes32)', 'walletAddress(address,bytes32)']);
  // ERC-1271 §Specification: the magic value is the selector of isValidSignature(bytes32,bytes).
  expect(viem.toFunctionSelector('isValidSignature(bytes32,bytes)')).toBe('0x1626ba7e');
  expect(OWNED_WALLET.bytecode).toMatch(/^0x[0-9a-f]+$/);
  expect(WALLET_FACTORY.bytecode).toMatch(/^0x[0-9a-f]+$/);
});
