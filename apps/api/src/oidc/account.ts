// Who a wallet-login account is to a relying party: the subject `eip155:<chain id>:<EIP-55
// address>` (a CAIP-10 account id), the same string oidc-provider keeps as the accountId, and the
// claims it may learn.

import { normalizeAddress } from '@wallet-login/challenge';
import type { SignInMethod } from '@wallet-login/contract';

/** The CAIP-10 account id of `address` on `chainId`: the `sub` claim. */
export function subjectOf(chainId: number, address: string): string {
  return `eip155:${chainId}:${address}`;
}

/** The EIP-55 address a subject of `chainId` names, or undefined for any other string. */
export function addressOf(chainId: number, subject: string): string | undefined {
  const prefix = `eip155:${chainId}:`;
  if (!subject.startsWith(prefix)) return undefined;
  const address = normalizeAddress(subject.slice(prefix.length));
  return address !== undefined && subjectOf(chainId, address) === subject ? address : undefined;
}

/**
 * How the account proved itself, for the `amr` claim (RFC 8176 has no wallet value, so local
 * ones): `eoa` for a key pair's signature, `erc1271` or `erc6492` for a contract wallet's.
 */
export function amrOf(method: SignInMethod): string[] {
  return [method];
}
