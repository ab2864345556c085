// Development-key signing: a pasted test key signs in the page with web3.js
// (`web3.eth.accounts.sign`: web3-eth-accounts' sign is that function, without the rest of web3).
// Loaded on demand, so people who sign in with a wallet never download it. The key lives only in
// the caller's local variable for the length of one sign-in: never stored, never sent.

import { privateKeyToAddress, sign } from 'web3-eth-accounts';
import { isChallengeError, normalizePrivateKey } from '@wallet-login/challenge';
import { AppError } from '../errors';
import { utf8ToHex } from './wallet';

/** The checksummed address of `privateKey`, or key_invalid. */
export function addressOfKey(privateKey: string): string {
  // web3's own derivation, not the challenge library's: that would bring a second copy of the
  // secp256k1 code into this chunk.
  return privateKeyToAddress(checkKey(privateKey));
}

/** EIP-191 signature of `message` by `privateKey`, as a wallet's personal_sign would make it. */
export function signWithKey({ message, privateKey }: { message: string; privateKey: string }): string {
  // web3's sign treats a hex-looking string ("0x1234") as bytes, so the text is always given to it
  // as the hex of its UTF-8 bytes, as personal_sign is: then every message is signed as the text it is.
  return sign(utf8ToHex(message), checkKey(privateKey)).signature;
}

/** The key as 0x + 64 lowercase hex digits, or key_invalid (the key itself is never shown). */
function checkKey(privateKey: string): string {
  try {
    return normalizePrivateKey(privateKey);
  } catch (error) {
    if (isChallengeError(error, 'invalid_parameter')) throw new AppError('key_invalid');
    throw error;
  }
}
