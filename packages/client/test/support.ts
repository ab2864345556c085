// The SDK's own test helper: the WalletLoginError a promise rejects with. The test server, free
// ports and keys come from @wallet-login/testkit.

import { isWalletLoginError, type WalletLoginError } from '../src/errors';

/** The WalletLoginError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<WalletLoginError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isWalletLoginError(error)) throw new Error(`expected a WalletLoginError, got ${String(error)}`);
  return error;
}
