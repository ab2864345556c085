// Contract-wallet signatures, checked on the chain: one `eth_call` of the ERC-6492 universal
// signature validator, deployless (viem's published bytecode, run as contract-creation code, so
// nothing needs to be deployed on any chain), over the EIP-191 hash of the exact message. The
// validator covers the three cases a signature of `address` can be (ERC-6492 §Specification):
//   - wrapped (ends in the ERC-6492 magic suffix): runs the wrapper's factory call, so a wallet
//     not yet deployed exists for the call, then asks its ERC-1271 isValidSignature; nothing is
//     written (eth_call), the wallet stays undeployed;
//   - `address` has code: ERC-1271 isValidSignature(hash, signature) == 0x1626ba7e;
//   - otherwise: ecrecover.
//
// Failing closed without lying: viem's own verifyHash answers `false` when the RPC fails, so it
// is not used. Here only the chain's verdict is a verdict: the validator's answer (0x01 / 0x00)
// or a revert (a malformed signature, a wallet that reverts) decides valid / invalid; anything
// else (unreachable, an HTTP or JSON-RPC error, no answer within the timeout, the wrong chain, an
// answer that is not the validator's) throws ChainError `rpc_unavailable`. A sign-in then answers
// 503; a session re-check keeps the session and asks again later.
//
// The same function re-checks a stored login signature (EIP-4361 §Security Considerations: a
// contract wallet's state can change after sign-in): pass the stored message and signature.

import { parseSignatureLenient, type RecoverAddress } from '@wallet-login/challenge';
import { loadRecoverAddress } from '@wallet-login/challenge/native';
import { ChainError, type UnavailableReason } from './errors';
import { createChainChecker, describeRpcFailure, withRpcDeadline, type ChainChecker, type ChainStartResult, type RpcDependencyStatus } from './checker';
import type { RpcEndpoint } from './rpc';
import { viem, viemActions, type Viem } from './viem';

/** The largest signature accepted, bytes: room for a Safe's many owners or a passkey wallet's WebAuthn data. */
export const MAX_CONTRACT_SIGNATURE_BYTES = 16 * 1024;

/** How the address proved itself: an ERC-1271 call of a deployed wallet, or an ERC-6492-wrapped signature. */
export type ContractSignatureMethod = 'erc1271' | 'erc6492';

export interface ContractSignatureCheck {
  /** The chain's verdict. */
  valid: boolean;
  /** `erc6492` when the signature is ERC-6492-wrapped (deployed or not), else `erc1271`. */
  method: ContractSignatureMethod;
}

/** An RPC check's outcome, as metrics count it. */
export type RpcCheckOutcome = 'valid' | 'invalid' | 'unavailable';

/**
 * Told of every check that went to an RPC (not of those decided without one), once, when it
 * ends: the outcome and how long it took, ms. For a prom-client histogram. An observer that
 * throws is ignored.
 */
export type RpcCheckObserver = (
  outcome: RpcCheckOutcome,
  ms: number,
  details: { chainId: number; method: ContractSignatureMethod; reason?: UnavailableReason },
) => void;

export interface VerifyContractSignatureParameters {
  /** The message's EIP-155 chain id (its `Chain ID`); decides which RPC is asked. */
  chainId: number;
  /** The address the message names (a contract cannot be recovered from a signature). */
  address: string;
  /** The exact signed text; its EIP-191 hash is what the wallet is asked about. */
  message: string;
  /** 0x + an even number of hex digits, at most MAX_CONTRACT_SIGNATURE_BYTES bytes. */
  signature: string;
}

export interface CreateContractWalletVerifierOptions {
  /** The configured RPCs (RPC_URLS); may be empty. */
  rpcUrls: readonly RpcEndpoint[];
  /** How long one check may take, ms, start-up check of an RPC included (RPC_TIMEOUT_MS). */
  timeoutMs: number;
  /** Metrics hook; see RpcCheckObserver. */
  observe?: RpcCheckObserver;
  /**
   * Signer recovery for the check that a 65-byte signature is not the address's own key's (the
   * login's, so native where it loads).
   * @default loadRecoverAddress().recover
   */
  recover?: RecoverAddress;
}

export interface ContractWalletVerifier {
  /** The chains with an RPC, in RPC_URLS order. */
  readonly chainIds: readonly number[];
  hasChain(chainId: number): boolean;
  /**
   * The start-up check of every RPC, at once. Throws ChainError `chain_mismatch` (its message one
   * line, naming the chain and the RPC's origin) when one serves another chain: refuse to start.
   * An RPC that does not answer is reported `unreachable`, not thrown: it is asked again before
   * its first use.
   */
  start(): Promise<ChainStartResult[]>;
  /**
   * The chain's verdict on `signature` as `address`'s signature of `message`: one `eth_call`
   * (plus one `eth_chainId` while the RPC has not yet shown its chain), within `timeoutMs`.
   *
   * Throws ChainError: `chain_not_configured` when `chainId` has no RPC; `invalid_parameter` for
   * a malformed address, chain id or signature; `rpc_unavailable` when the RPC cannot decide.
   *
   * Answers `{ valid: false }` without a request for the zero address, and for an unwrapped
   * 65-byte signature that ECDSA-recovers to `address` itself: that is a key pair's (EOA)
   * signature, which the strict EOA check (no RPC) alone decides. The validator's lenient
   * ecrecover (it accepts the malleable high-s twin, EIP-2) must not let through what that check
   * refused.
   */
  verifyContractSignature(parameters: VerifyContractSignatureParameters): Promise<ContractSignatureCheck>;
  /** For /readyz: one entry per RPC (`rpc:<chainId>`). Never throws. */
  check(): Promise<RpcDependencyStatus[]>;
}

const SIGNATURE_PATTERN = /^0x(?:[0-9a-fA-F]{2})+$/;

/** The validator's answer is one byte (`return(31, 1)` of a bool): 0x01 valid, 0x00 not. */
function readVerdict(data: Viem.Hex | undefined): boolean | undefined {
  if (data === '0x01') return true;
  if (data === '0x00') return false;
  return undefined;
}

export function createContractWalletVerifier({ rpcUrls, timeoutMs, observe, recover = loadRecoverAddress().recover }: CreateContractWalletVerifierOptions): ContractWalletVerifier {
  const checkers = new Map<number, ChainChecker>();
  for (const endpoint of rpcUrls) {
    if (checkers.has(endpoint.chainId)) throw new ChainError('invalid_config', `RPC_URLS: chain ${endpoint.chainId} is listed more than once`);
    checkers.set(endpoint.chainId, createChainChecker({ ...endpoint, timeoutMs }));
  }

  const tell = (...args: Parameters<RpcCheckObserver>) => {
    try {
      observe?.(...args);
    } catch {
      // A metrics hook must never change a sign-in's outcome.
    }
  };

  const validate = ({ chainId, address, message, signature }: VerifyContractSignatureParameters) => {
    if (!Number.isSafeInteger(chainId) || chainId < 1) throw new ChainError('invalid_parameter', 'The chain id must be a whole number from 1.');
    if (typeof address !== 'string' || !viem.isAddress(address, { strict: false })) {
      throw new ChainError('invalid_parameter', 'The address must be 0x followed by 40 hex digits.');
    }
    if (typeof message !== 'string') throw new ChainError('invalid_parameter', 'The message must be text.');
    if (typeof signature !== 'string' || !SIGNATURE_PATTERN.test(signature)) {
      throw new ChainError('invalid_parameter', 'The signature must be 0x followed by an even number of hex digits.');
    }
    if ((signature.length - 2) / 2 > MAX_CONTRACT_SIGNATURE_BYTES) {
      throw new ChainError('invalid_parameter', `The signature must be at most ${MAX_CONTRACT_SIGNATURE_BYTES} bytes.`);
    }
  };

  /** Whether `signature` is a plain ECDSA signature by `address`'s own key, as ecrecover reads it (either s). */
  const recoversToAddress = (message: string, address: Viem.Address, signature: Viem.Hex): boolean => {
    const parsed = parseSignatureLenient(signature);
    if (parsed === undefined) return false;
    try {
      return viem.isAddressEqual(recover(message, parsed) as Viem.Address, address);
    } catch {
      return false;
    }
  };

  return {
    chainIds: [...checkers.keys()],
    hasChain: (chainId) => checkers.has(chainId),

    async start() {
      const results = await Promise.allSettled([...checkers.values()].map((checker) => checker.start()));
      const refused = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (refused !== undefined) throw refused.reason;
      return results.map((result) => (result as PromiseFulfilledResult<ChainStartResult>).value);
    },

    async verifyContractSignature(parameters) {
      validate(parameters);
      const { chainId, message } = parameters;
      const checker = checkers.get(chainId);
      if (checker === undefined) {
        throw new ChainError('chain_not_configured', `No RPC is configured for chain ${chainId} (RPC_URLS): contract wallets on it cannot be checked.`, { chainId });
      }
      const address = viem.getAddress(parameters.address.toLowerCase());
      const signature = parameters.signature.toLowerCase() as Viem.Hex;
      const method: ContractSignatureMethod = viem.isErc6492Signature(signature) ? 'erc6492' : 'erc1271';
      // EIP-191 (version 0x45): keccak256("\x19Ethereum Signed Message:\n" + len + message).
      const hash = viem.hashMessage(message);

      // No signature is valid for the zero address (nobody holds its key; a contract cannot be there).
      if (address === viem.zeroAddress) return { valid: false, method };
      if (method === 'erc1271' && recoversToAddress(message, address, signature)) return { valid: false, method };

      const started = performance.now();
      const fail = (error: unknown): never => {
        const { reason, text } = describeRpcFailure(error, timeoutMs);
        const failure = error instanceof ChainError && error.code === 'rpc_unavailable'
          ? error
          : new ChainError('rpc_unavailable', `the RPC for chain ${chainId} (${checker.endpoint}) ${text}`, { cause: error, chainId, reason });
        tell('unavailable', performance.now() - started, { chainId, method, reason: failure.reason ?? reason });
        throw failure;
      };

      let expired = false;
      const ask = async () => {
        await checker.ensureReady();
        if (expired) throw new Error('deadline passed before the call');
        // Deployless: the validator's creation code with its constructor arguments, sent as a
        // contract creation (`to` absent); the constructor returns the verdict.
        const data = viem.encodeDeployData({
          abi: viem.erc6492SignatureValidatorAbi,
          bytecode: viem.erc6492SignatureValidatorByteCode,
          args: [address, hash, signature],
        });
        try {
          return { kind: 'answer' as const, data: (await viemActions.call(checker.client, { data })).data };
        } catch (error) {
          // A revert is the chain's verdict: the validator refused (a malformed signature, a
          // wallet whose isValidSignature reverts, a factory call that fails). Every other
          // failure is the RPC's, and decides nothing.
          if (error instanceof viem.BaseError && error.walk((e) => e instanceof viem.ExecutionRevertedError)) return { kind: 'reverted' as const };
          throw error;
        }
      };

      let outcome: Awaited<ReturnType<typeof ask>>;
      try {
        outcome = await withRpcDeadline(ask(), timeoutMs);
      } catch (error) {
        expired = true;
        return fail(error);
      }
      if (outcome.kind === 'reverted') {
        tell('invalid', performance.now() - started, { chainId, method });
        return { valid: false, method };
      }
      const verdict = readVerdict(outcome.data);
      if (verdict === undefined) {
        return fail(new ChainError('rpc_unavailable', `the RPC for chain ${chainId} (${checker.endpoint}) answered something that is not the validator's verdict`, { chainId, reason: 'bad_answer' }));
      }
      tell(verdict ? 'valid' : 'invalid', performance.now() - started, { chainId, method });
      return { valid: verdict, method };
    },

    check: () => Promise.all([...checkers.values()].map((checker) => checker.check())),
  };
}
