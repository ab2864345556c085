// Contract-wallet sign-in, checked on the chain (ERC-1271, ERC-6492): the RPC settings, each
// chain's RPC with its chain-id check, and the verifier. Only re-exports; start reading at
// verify.ts.

export { ChainError, fromChainError, isChainError, RPC_RETRY_AFTER_SECONDS, type ChainErrorCode, type UnavailableReason } from './errors';
export { DEFAULT_RPC_TIMEOUT_MS, describeRpcUrl, parseRpcSettings, rpcTimeoutMsSchema, rpcUrlsSchema, type RpcEndpoint, type RpcSettings } from './rpc';
export { createChainChecker, type ChainChecker, type ChainStartResult, type ChainState, type RpcDependencyStatus } from './checker';
export {
  createContractWalletVerifier, MAX_CONTRACT_SIGNATURE_BYTES,
  type ContractSignatureCheck, type ContractSignatureMethod, type ContractWalletVerifier, type CreateContractWalletVerifierOptions,
  type RpcCheckObserver, type RpcCheckOutcome, type VerifyContractSignatureParameters,
} from './verify';
