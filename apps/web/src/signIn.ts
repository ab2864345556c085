// One sign-in, whatever signs: ask the server for a challenge, check it is for this page, have it
// signed, trade the signature for a session, and read the session back. An attempt can be
// abandoned at any point (Cancel, Escape, another way to sign in): from then on nothing it hears
// back is acted on, a late signature is never sent, and a session the server opened for it anyway
// is ended at once.

import { isChallengeError, verifyIssuedChallenge } from '@wallet-login/challenge';
import { createChallenge, getMe, logout, submitSignature, type Challenge, type Intent, type Me } from './api';
import { AppError } from './errors';

/** Where a sign-in is, for the progress line. */
export type Step = 'connecting' | 'requesting' | 'signing' | 'verifying';

export interface SignInParameters {
  intent: Intent;
  /** The account that will sign, when known: the challenge then names it. */
  address?: string;
  /** This page's host[:port] (location.host), which an EIP-4361 challenge must name. */
  host: string;
  /** The OpenID Connect interaction this sign-in serves, if any: its challenge lists where it goes on to. */
  interaction?: string;
  /** Signs the challenge's message; the wallet, the development key. */
  sign(challenge: Challenge): Promise<string>;
  onStep(step: Step): void;
  /** Abandons the attempt: the promise then rejects with AppError 'cancelled'. */
  signal: AbortSignal;
}

/** The session a sign-in opened, and whether it created the account (registration open). */
export interface SignInResult {
  me: Me;
  created: boolean;
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

/** Rejects with AppError 'cancelled' once `signal` aborts, whatever `promise` does later. */
export function unlessCancelled<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AppError('cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AppError('cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new AppError('cancelled');
}

/** Runs one sign-in and returns the new session. */
export async function signIn({ intent, address, host, interaction, sign, onStep, signal }: SignInParameters): Promise<SignInResult> {
  throwIfCancelled(signal);
  onStep('requesting');
  const challenge = await createChallenge({ address, interaction }, signal);
  throwIfCancelled(signal);
  checkChallenge(challenge, { host, address });
  onStep('signing');
  const signature = await unlessCancelled(sign(challenge), signal);
  onStep('verifying');
  return finishSignIn(intent, { sid: challenge.sid, signature, message: challenge.message }, signal);
}

/**
 * Sends a signed challenge and reads the session it opened. Once sent, the request is let finish
 * even if the attempt is abandoned meanwhile (an aborted request may still have signed in on the
 * server): a session it opened is then ended, and the attempt rejects with 'cancelled'.
 */
export async function finishSignIn(
  intent: Intent,
  signed: { sid: string; signature: string; message?: string },
  signal: AbortSignal,
): Promise<SignInResult> {
  throwIfCancelled(signal);
  const { created } = await submitSignature(intent, signed);
  if (signal.aborted) {
    await logout().catch(() => undefined);
    throw new AppError('cancelled');
  }
  const me = await getMe();
  if (signal.aborted) {
    await logout().catch(() => undefined);
    throw new AppError('cancelled');
  }
  if (!me) throw new AppError('unauthenticated');
  return { me, created };
}
