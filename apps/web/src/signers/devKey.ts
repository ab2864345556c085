// Development-key signing: a pasted test key signs in the page with web3.js
// (`web3.eth.accounts.sign`, through the challenge library's signMessage). Loaded on demand, so
// people who sign in with a wallet never download it. The key lives only in the caller's local
// variable for the length of one sign-in: never stored, never sent.

import { isChallengeError, privateKeyToAddress, signMessage } from '@wallet-login/challenge';
import { AppError } from '../errors';

/** The checksummed address of `privateKey`, or key_invalid. */
export function addressOfKey(privateKey: string): string {
  try {
    return privateKeyToAddress(privateKey);
  } catch (error) {
    if (isChallengeError(error, 'invalid_parameter')) throw new AppError('key_invalid');
    throw error;
  }
}

/** EIP-191 signature of `message` by `privateKey`, as a wallet's personal_sign would make it. */
export function signWithKey({ message, privateKey }: { message: string; privateKey: string }): string {
  try {
    return signMessage({ message, privateKey });
  } catch (error) {
    if (isChallengeError(error, 'invalid_parameter')) throw new AppError('key_invalid');
    throw error;
  }
}
