// One sign-in, whatever signs: ask the server for a challenge, check it is for this page, have it
// signed, trade the signature for a session, and read the session back.

import { isChallengeError, verifyIssuedChallenge } from '@wallet-login/challenge';
import { createChallenge, getMe, submitSignature, type Challenge, type Intent, type Me } from './api';
import { AppError } from './errors';

/** Where a sign-in is, for the progress line. */
export type Step = 'connecting' | 'requesting' | 'signing' | 'verifying';

export interface SignInParameters {
  intent: Intent;
  /** The account that will sign, when known: the challenge then names it. */
  address?: string;
  /** This page's host[:port] (location.host), which an EIP-4361 challenge must name. */
  host: string;
  /** Signs the challenge's message; the wallet, the development key. */
  sign(challenge: Challenge): Promise<string>;
  onStep(step: Step): void;
}

/**
 * The checks a wallet makes before signing (EIP-4361 §Security Considerations), made by the page
 * too so a misconfigured server is reported in words rather than as a wallet's phishing warning:
 * the message names this page's host, carries the sid as its nonce, and names the expected signer.
 */
export function checkChallenge(challenge: Challenge, { host, address }: { host: string; address?: string }): void {
  try {
    verifyIssuedChallenge({ message: challenge.message, sid: challenge.sid, domain: host, address: address ?? null });
  } catch (cause) {
    if (isChallengeError(cause, 'domain_mismatch')) throw new AppError('domain_mismatch', { cause });
    if (isChallengeError(cause)) throw new AppError('challenge_mismatch', { cause });
    throw cause;
  }
}

/** Runs one sign-in and returns the new session. */
export async function signIn({ intent, address, host, sign, onStep }: SignInParameters): Promise<Me> {
  onStep('requesting');
  const challenge = await createChallenge(address);
  checkChallenge(challenge, { host, address });
  onStep('signing');
  const signature = await sign(challenge);
  onStep('verifying');
  return finishSignIn(intent, { sid: challenge.sid, signature, message: challenge.message });
}

/** Sends a signed challenge and reads the session it opened. */
export async function finishSignIn(intent: Intent, signed: { sid: string; signature: string; message?: string }): Promise<Me> {
  await submitSignature(intent, signed);
  const me = await getMe();
  if (!me) throw new AppError('unauthenticated');
  return me;
}
