// Node-only fast path for signer recovery: libsecp256k1 (the `secp256k1` package's native
// binding) and native Keccak-256 (the `keccak` package's), both optional dependencies. When
// either cannot load, the pure JavaScript recovery is used instead; both give the same answer
// for every input (native.test.ts). Imported as `@wallet-login/challenge/native`, never from
// index.ts, so browser bundles do not see it.
//
// The strict format checks (parseSignature: v, 1 ≤ r < n, 1 ≤ s ≤ n/2, no trailing data) run
// before either recovery, in verifySignature.ts; this module only recovers.

import { createRequire } from 'node:module';
import type * as Secp256k1 from 'secp256k1';
import type createKeccakHash from 'keccak';
import { recoverAddressPure, type ParsedSignature, type RecoverAddress } from './verifySignature';

/** Which recovery `loadRecoverAddress` chose. */
export interface RecoverAddressChoice {
  recover: RecoverAddress;
  /** 'native': libsecp256k1 and native Keccak; 'pure': @noble/curves and @noble/hashes. */
  path: 'native' | 'pure';
  /** Why the native path is not in use (absent when it is). */
  reason?: string;
}

/** Keccak-256 of the concatenation of `chunks`. */
type Keccak256 = (...chunks: Buffer[]) => Buffer;

interface NativeBindings {
  secp256k1: typeof Secp256k1;
  keccak256: Keccak256;
}

/** The `keccak` binding's sponge (src/addon.cc), which its public API wraps in a stream per hash. */
interface KeccakSponge {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  squeeze(length: number): Buffer;
}

// The web3.js documentation's signature of "Some data": checked once at load, so a binding that
// loads but computes something else is never used.
const SELF_TEST = {
  message: 'Some data',
  signature: {
    r: 0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fdn,
    s: 0x6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a029n,
    yParity: 1,
  } satisfies ParsedSignature,
  address: '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23',
};

const EIP191_PREFIX = '\x19Ethereum Signed Message:\n';

let choice: RecoverAddressChoice | undefined;

/**
 * The fastest recovery this process can run: native when both bindings load and pass a known
 * answer, the pure one otherwise (with the reason). Decided once per process; cheap afterwards.
 */
export function loadRecoverAddress(): RecoverAddressChoice {
  if (choice) return choice;
  try {
    choice = { recover: createNativeRecoverAddress(), path: 'native' };
  } catch (error) {
    choice = { recover: recoverAddressPure, path: 'pure', reason: error instanceof Error ? error.message : String(error) };
  }
  return choice;
}

/**
 * RecoverAddress on libsecp256k1 and native Keccak-256. Throws when a binding cannot load (no
 * prebuild for this platform and no compiler at install time) or fails the self-test.
 */
export function createNativeRecoverAddress(): RecoverAddress {
  const recover = nativeRecoverAddress(loadBindings());
  let address: string | undefined;
  try {
    address = recover(SELF_TEST.message, SELF_TEST.signature);
  } catch (cause) {
    throw new Error('the native secp256k1 binding failed its self-test', { cause });
  }
  if (address !== SELF_TEST.address) throw new Error('the native secp256k1 binding failed its self-test');
  return recover;
}

function loadBindings(): NativeBindings {
  // The `bindings` entry points, not the packages' main ones: `require('secp256k1')` and
  // `require('keccak')` quietly fall back to JavaScript (elliptic, js-sha3) when the binding is
  // missing, while these throw.
  let secp256k1: typeof Secp256k1;
  let keccak: typeof createKeccakHash;
  try {
    secp256k1 = require('secp256k1/bindings') as typeof Secp256k1;
  } catch (cause) {
    throw new Error(`native secp256k1 is not available: ${errorMessage(cause)}`, { cause });
  }
  try {
    keccak = require('keccak/bindings') as typeof createKeccakHash;
  } catch (cause) {
    throw new Error(`native keccak is not available: ${errorMessage(cause)}`, { cause });
  }
  const viaApi: Keccak256 = (...chunks) => {
    const hash = keccak('keccak256');
    for (const chunk of chunks) hash.update(chunk);
    return hash.digest();
  };
  return { secp256k1, keccak256: loadKeccakSponge() ?? viaApi };
}

/**
 * Keccak-256 straight on the `keccak` binding's sponge: the public API builds a stream object
 * around it for every hash, which costs more than hashing a short message. Undefined when the
 * binding does not look as expected (another version), so the public API is used instead; the
 * self-test checks whichever is used.
 */
function loadKeccakSponge(): Keccak256 | undefined {
  try {
    const packageJson = require.resolve('keccak/package.json');
    const loadAddon = createRequire(packageJson)('node-gyp-build') as (dir: string) => new () => KeccakSponge;
    const sponge = new (loadAddon(packageJson.slice(0, -'/package.json'.length)))();
    if (typeof sponge.initialize !== 'function' || typeof sponge.absorb !== 'function' || typeof sponge.squeeze !== 'function') return undefined;
    return (...chunks) => {
      // Keccak-256: rate 1088 bits, capacity 512, the original padding (no SHA-3 suffix).
      sponge.initialize(1088, 512);
      for (const chunk of chunks) sponge.absorb(chunk);
      return sponge.squeeze(32);
    };
  } catch {
    return undefined;
  }
}

function nativeRecoverAddress({ secp256k1, keccak256 }: NativeBindings): RecoverAddress {
  const signatureBytes = Buffer.alloc(64);
  const publicKey = Buffer.alloc(65);

  return (message, { r, s, yParity }) => {
    // EIP-191 version 0x45: keccak256("\x19Ethereum Signed Message:\n" + length + message).
    const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    const hash = keccak256(Buffer.from(`${EIP191_PREFIX}${bytes.length}`, 'latin1'), bytes);
    signatureBytes.write(r.toString(16).padStart(64, '0'), 0, 32, 'hex');
    signatureBytes.write(s.toString(16).padStart(64, '0'), 32, 32, 'hex');
    // Throws when r is not the x of a curve point or the key is the point at infinity. The output
    // buffer is reused: recovery is synchronous, so no other call can see it half written.
    secp256k1.ecdsaRecover(signatureBytes, yParity, hash, false, publicKey);
    // The address is the last 20 bytes of keccak256 of the uncompressed key without its 0x04.
    const lower = keccak256(publicKey.subarray(1)).toString('hex', 12);
    return checksum(lower, keccak256(Buffer.from(lower, 'latin1')));
  };
}

/** EIP-55: hex digit i is upper-cased when nibble i of keccak256(lowercase hex) is ≥ 8. */
function checksum(lower: string, hash: Buffer): string {
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const char = lower[i] as string;
    const nibble = i % 2 === 0 ? (hash[i >> 1] as number) >> 4 : (hash[i >> 1] as number) & 0x0f;
    out += nibble >= 8 ? char.toUpperCase() : char;
  }
  return out;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
}
