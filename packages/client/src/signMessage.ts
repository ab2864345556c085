// Signing with a private key through web3.js (`web3.eth.accounts.sign`), for the SDK's sign-in
// and the CLI's `sign`. Wallets sign with EIP-1193 personal_sign instead; the server only
// verifies, so it installs none of this.

import { sign } from 'web3-eth-accounts';
import { isChallengeError, normalizePrivateKey } from '@wallet-login/challenge';
import { WalletLoginError } from './errors';

export interface SignMessageParameters {
  /** The exact text to sign (UTF-8). */
  message: string;
  /** secp256k1 private key: 64 hex digits, with or without 0x. It is never put in an error message. */
  privateKey: string;
}

/**
 * Signs `message` per EIP-191 (version 0x45, "\x19Ethereum Signed Message:\n" + length) and
 * returns the 65-byte signature as 0x-hex (v = 27/28), the same bytes a wallet's personal_sign
 * makes. Throws WalletLoginError `invalid_parameter` for a key that is not 32 bytes of hex.
 */
export function signMessage({ message, privateKey }: SignMessageParameters): string {
  // web3's sign treats a hex-looking string ("0x1234") as bytes, so the text is always given to
  // it as the hex of its UTF-8 bytes: then every message is signed as the text it is.
  return sign(`0x${Buffer.from(message, 'utf8').toString('hex')}`, checkPrivateKey(privateKey)).signature;
}

/** The key in canonical form, or invalid_parameter; the key is never part of the message. */
export function checkPrivateKey(privateKey: string): string {
  try {
    return normalizePrivateKey(privateKey);
  } catch (cause) {
    if (!isChallengeError(cause, 'invalid_parameter')) throw cause;
    throw new WalletLoginError({ code: 'invalid_parameter', message: cause.message });
  }
}
