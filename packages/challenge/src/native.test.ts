import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as nativeSecp256k1 from 'secp256k1';
import { Wallet } from 'ethers';
import { secp256k1 } from '@noble/curves/secp256k1';
import { recoverAddressPure, recoverMessageAddress, verifyChallenge, type RecoverAddress } from './index';
import { createNativeRecoverAddress, loadRecoverAddress } from './native';
import { addressOfKey, compareRecoveries, recoveryOutcome, seededBytes, signWithNative, type RecoveryComparison } from '../test/recoveryEquivalence';

const N = secp256k1.CURVE.n;
const native = createNativeRecoverAddress();

/** An EIP-191 signature by ethers: a signer independent of the code under test. */
const signText = (message: string, key: string): string => new Wallet(key).signMessageSync(message);

// Published in the web3.js documentation (web3.eth.accounts.sign / privateKeyToAccount).
const DOCS_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const DOCS_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
const DOCS_SIGNATURE =
  '0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c';

function expectSameOutcome(message: string | Uint8Array, signature: unknown): string {
  const pure = recoveryOutcome(message, signature, recoverAddressPure);
  expect(recoveryOutcome(message, signature, native)).toBe(pure);
  return pure;
}

/**
 * compareRecoveries over pairs `from` … `to − 1` in a worker thread (the second core); the
 * worker loads the TypeScript sources through TypeScript's transpiler.
 */
function compareInWorker(range: { from: number; to: number; tamperEvery: number }): Promise<RecoveryComparison> {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const ts = require(workerData.typescript);
    require.extensions['.ts'] = (module, filename) => {
      const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      module._compile(outputText, filename);
    };
    const { compareRecoveries } = require(workerData.module);
    parentPort.postMessage(compareRecoveries(workerData.range));
  `;
  const workerData = { range, module: join(__dirname, '..', 'test', 'recoveryEquivalence.ts'), typescript: require.resolve('typescript') };
  const worker = new Worker(source, { eval: true, workerData });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

const word = (n: number) => n.toString(16).padStart(64, '0');

describe('the native recovery loads here', () => {
  test('both bindings load and pass the self-test, so the fast path is the one chosen', () => {
    const choice = loadRecoverAddress();
    expect(choice.reason).toBeUndefined();
    expect(choice.path).toBe('native');
    expect(choice.recover('Some data', { r: BigInt(`0x${DOCS_SIGNATURE.slice(2, 66)}`), s: BigInt(`0x${DOCS_SIGNATURE.slice(66, 130)}`), yParity: 1 })).toBe(DOCS_ADDRESS);
  });

  test('the choice is made once per process', () => {
    expect(loadRecoverAddress()).toBe(loadRecoverAddress());
  });
});

describe('choosing what to run', () => {
  function loadWith(mocks: Record<string, () => unknown>): ReturnType<typeof loadRecoverAddress> {
    let choice: ReturnType<typeof loadRecoverAddress> | undefined;
    jest.isolateModules(() => {
      for (const [name, factory] of Object.entries(mocks)) jest.doMock(name, factory);
      choice = (require('./native') as typeof import('./native')).loadRecoverAddress();
    });
    for (const name of Object.keys(mocks)) jest.dontMock(name);
    if (!choice) throw new Error('not loaded');
    return choice;
  }

  test('when the secp256k1 binding cannot load, the pure recovery is chosen and the reason given', () => {
    const choice = loadWith({ 'secp256k1/bindings': () => { throw new Error('No native build was found for platform=test'); } });
    expect(choice.path).toBe('pure');
    expect(choice.reason).toMatch(/^native secp256k1 is not available: No native build/);
    expect(recoverMessageAddress({ message: 'Some data', signature: DOCS_SIGNATURE, recover: choice.recover })).toBe(DOCS_ADDRESS);
  });

  test('when the keccak binding cannot load, the pure recovery is chosen', () => {
    const choice = loadWith({ 'keccak/bindings': () => { throw new Error('Native add-on failed to load'); } });
    expect(choice.path).toBe('pure');
    expect(choice.reason).toMatch(/^native keccak is not available/);
  });

  /** The keccak binding's public API, counting its hashes. */
  function countingKeccak(): { factory: () => unknown; hashes: () => number } {
    const real = jest.requireActual('keccak/bindings') as (algorithm: string) => unknown;
    let hashes = 0;
    return { factory: () => (algorithm: string) => (hashes++, real(algorithm)), hashes: () => hashes };
  }

  test('hashing runs on the keccak binding\'s bare sponge, not through its public API', () => {
    const keccak = countingKeccak();
    const choice = loadWith({ 'keccak/bindings': keccak.factory });
    expect(choice.path).toBe('native');
    expect(recoverMessageAddress({ message: 'Some data', signature: DOCS_SIGNATURE, recover: choice.recover })).toBe(DOCS_ADDRESS);
    expect(keccak.hashes()).toBe(0);
  });

  test('without the bare sponge, hashing goes through the public API, with the same answers', () => {
    const keccak = countingKeccak();
    const choice = loadWith({
      'keccak/bindings': keccak.factory,
      'node:module': () => ({
        createRequire: () => () => {
          throw new Error('no node-gyp-build here');
        },
      }),
    });
    expect(choice.path).toBe('native');
    expect(keccak.hashes()).toBeGreaterThan(0); // the self-test
    for (let i = 0; i < 50; i++) {
      const key = seededBytes('api keccak', i);
      const message = `message ${i} ${'✓'.repeat(i)}`;
      const signature = signWithNative(message, key);
      expect(recoveryOutcome(message, signature, choice.recover)).toBe(addressOfKey(key));
      expect(recoveryOutcome(message, signature, choice.recover)).toBe(recoveryOutcome(message, signature, recoverAddressPure));
    }
  });

  test('a binding that loads but recovers something else fails the self-test and is not used', () => {
    const wrong = { ...nativeSecp256k1, ecdsaRecover: (_sig: Uint8Array, _recid: number, _hash: Uint8Array, _compressed: boolean, output: Uint8Array) => output.fill(4) };
    const choice = loadWith({ 'secp256k1/bindings': () => wrong });
    expect(choice.path).toBe('pure');
    expect(choice.reason).toMatch(/self-test/);
  });
});

describe('native and pure give the same answers', () => {
  test('on the published web3.js vector', () => {
    expect(expectSameOutcome('Some data', DOCS_SIGNATURE)).toBe(DOCS_ADDRESS);
  });

  test('on signatures by ethers over awkward messages, as text and as bytes', async () => {
    const messages = ['hello', '', 'ünïcødé ✓ 🔑', '0xdeadbeef', 'line one\nline two', 'x'.repeat(3000)];
    for (const [i, message] of messages.entries()) {
      const wallet = new Wallet(`0x${word(i + 1)}`);
      const signature = await wallet.signMessage(message);
      expect(expectSameOutcome(message, signature)).toBe(wallet.address);
      expect(expectSameOutcome(new TextEncoder().encode(message), signature)).toBe(wallet.address);
    }
  });

  test('on text with a lone surrogate, which both encode as U+FFFD', () => {
    const key = seededBytes('surrogate', 0);
    const signature = signWithNative('lone \ud800 surrogate', key);
    expect(expectSameOutcome('lone \ud800 surrogate', signature)).toBe(addressOfKey(key));
    expect(expectSameOutcome('lone \ufffd surrogate', signature)).toBe(addressOfKey(key));
  });

  test('on a message given as a view into a larger buffer', () => {
    const signature = signText('inner', DOCS_KEY);
    const view = new Uint8Array(Buffer.from('..inner..')).subarray(2, 7);
    expect(expectSameOutcome(view, signature)).toBe(DOCS_ADDRESS);
  });

  describe('on the strictness rules, checked before either recovery', () => {
    const good = signText('strict', DOCS_KEY);
    const r = good.slice(2, 66);
    const s = good.slice(66, 130);
    const v = good.slice(130);
    const sValue = BigInt(`0x${s}`);
    const highS = (N - sValue).toString(16).padStart(64, '0');
    const flipped = v === '1b' ? '1c' : '1b';
    const half = (N >> 1n).toString(16).padStart(64, '0');
    const overHalf = ((N >> 1n) + 1n).toString(16).padStart(64, '0');

    test.each([
      ['the high-s twin', `0x${r}${highS}${flipped}`, 'error signature_malformed'],
      ['the high-s twin with v unchanged', `0x${r}${highS}${v}`, 'error signature_malformed'],
      ['v = 29', `0x${r}${s}1d`, 'error signature_malformed'],
      ['v = 2', `0x${r}${s}02`, 'error signature_malformed'],
      ['v = 37 (EIP-155 style)', `0x${r}${s}25`, 'error signature_malformed'],
      ['r zero', `0x${word(0)}${s}${v}`, 'error signature_malformed'],
      ['s zero', `0x${r}${word(0)}${v}`, 'error signature_malformed'],
      ['r = n', `0x${N.toString(16)}${s}${v}`, 'error signature_malformed'],
      ['s = n', `0x${r}${N.toString(16)}${v}`, 'error signature_malformed'],
      ['r all ones (≥ n)', `0x${'f'.repeat(64)}${s}${v}`, 'error signature_malformed'],
      ['s just over n/2', `0x${r}${overHalf}${v}`, 'error signature_malformed'],
      ['trailing data', `${good}00`, 'error signature_malformed'],
      ['trailing text', `${good}-and-more`, 'error signature_malformed'],
      ['no 0x', good.slice(2), 'error signature_malformed'],
      ['a number', 12345, 'error signature_malformed'],
      ['v as 0/1', `0x${r}${s}0${parseInt(v, 16) - 27}`, DOCS_ADDRESS],
      ['upper-case hex', `0x${good.slice(2).toUpperCase()}`, DOCS_ADDRESS],
    ])('%s', (_name, signature, expected) => {
      expect(expectSameOutcome('strict', signature)).toBe(expected);
    });

    test('s exactly n/2 and r = n − 1 are in range, and both paths agree on what they recover', () => {
      for (const signature of [`0x${r}${half}${v}`, `0x${r}${half}${flipped}`, `0x${(N - 1n).toString(16)}${s}${v}`, `0x${(N - 1n).toString(16)}${s}${flipped}`]) {
        expect(expectSameOutcome('strict', signature)).not.toBe('error signature_malformed');
      }
    });

    test('an r that is no curve point is signature_invalid on both paths', () => {
      // x = 5 is not the x-coordinate of a secp256k1 point (5³ + 7 = 132 is not a square mod p).
      expect(expectSameOutcome('strict', `0x${word(5)}${s}${v}`)).toBe('error signature_invalid');
    });
  });

  test('on 10,000 random (key, message) pairs, and a tampered copy of every twentieth', async () => {
    // Half in a worker thread, half here, at the same time: the pure recoveries are the slow part.
    const inWorker = compareInWorker({ from: 0, to: 5_000, tamperEvery: 20 });
    const here = compareRecoveries({ from: 5_000, to: 10_000, tamperEvery: 20 });
    const there = await inWorker;
    expect([...there.mismatches, ...here.mismatches]).toEqual([]);
    expect(there.pairs + here.pairs).toBe(10_000);
    expect(there.tampered + here.tampered).toBe(500);
    // About half of all x values are on the curve, so some tampered r recover nothing at all.
    expect(there.tamperedInvalid + here.tamperedInvalid).toBeGreaterThan(150);
    expect(there.tamperedInvalid + here.tamperedInvalid).toBeLessThan(350);
  }, 120_000); // ≈ 10 s on a quiet 2-core machine; room for a busy one
});

describe('verifyChallenge with the native recovery', () => {
  const challenge = { sid: 'Abc123Def456Ghi789Jkl012', timestamp: 1_800_000_000_000 };
  const message = JSON.stringify({ sid: challenge.sid, timestamp: String(challenge.timestamp) });

  test('returns the same signer as the pure recovery', () => {
    const signature = signText(message, DOCS_KEY);
    const parameters = { challenge, message, signature, now: challenge.timestamp + 1, ttlMs: 60_000, domain: 'example.com' };
    expect(verifyChallenge({ ...parameters, recover: native })).toEqual(verifyChallenge(parameters));
    expect(verifyChallenge({ ...parameters, recover: native }).address).toBe(DOCS_ADDRESS);
  });

  test('a recovery that throws is reported as signature_invalid, as the pure one is', () => {
    const signature = signText(message, DOCS_KEY);
    const failing: RecoverAddress = () => {
      throw new Error('no point');
    };
    expect(() => verifyChallenge({ challenge, message, signature, now: challenge.timestamp + 1, ttlMs: 60_000, domain: 'example.com', recover: failing })).toThrow(
      expect.objectContaining({ code: 'signature_invalid' }),
    );
  });
});

describe('the browser entry point', () => {
  test('index.ts reaches neither native.ts nor the native packages through its imports', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(join(__dirname, file), 'utf8');
      for (const [, specifier] of source.matchAll(/(?:from|import|require\()\s*'([^']+)'/g)) {
        if (specifier === undefined) continue;
        if (specifier.startsWith('./')) visit(`${specifier.slice(2)}.ts`);
        else packages.add(specifier);
      }
    };
    visit('index.ts');
    expect(seen.has('verifySignature.ts')).toBe(true);
    expect(seen.has('native.ts')).toBe(false);
    expect([...packages].filter((name) => /^(secp256k1|keccak)(\/|$)|^node:/.test(name))).toEqual([]);
  });
});
