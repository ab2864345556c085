// The progress line while the wallet or the server is working (with its Cancel, and a nudge when
// the wallet is slow to show itself), and the error box.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Intent } from '../api';
import type { Step } from '../signIn';
import { describeError, errorCode } from '../errors';

/** After this long waiting on a wallet, the page suggests opening it: its window may be behind. */
export const SLOW_WALLET_MS = 10_000;

/** What the page is waiting for; `wallet` is the wallet's name, absent when the page signs itself. */
function stepText(step: Step, intent: Intent, wallet?: string): string {
  switch (step) {
    case 'connecting':
      return `Waiting for ${wallet ?? 'your wallet'} to share an account…`;
    case 'requesting':
      return 'Getting a sign-in request from the server…';
    case 'signing':
      if (!wallet) return 'Signing the message…';
      // With registration open one signature signs in or creates the account: the prompt says so.
      return intent === 'register' ? `Confirm the message in ${wallet} to sign in or create your account…` : `Confirm the sign-in message in ${wallet}…`;
    case 'verifying':
      return 'Checking the signature…';
  }
}

export function Progress({ step, intent, walletName }: { step: Step; intent: Intent; walletName?: string }) {
  return (
    <p className="progress" role="status">
      <span className="spinner" aria-hidden="true" />
      {stepText(step, intent, walletName)}
    </p>
  );
}

export interface WaitingProps {
  step: Step;
  intent: Intent;
  /** The wallet being waited on, if any. */
  walletName?: string;
  /** Abandons the attempt; Escape does the same. */
  onCancel(): void;
  /**
   * Moves focus to Cancel as the wait starts: for a wait that replaced the button that started
   * it, which would otherwise drop focus to the page.
   */
  focusCancel?: boolean;
}

/** A wait in progress: what for, a Cancel (and Escape), and after a while a hint to open the wallet. */
export function Waiting({ step, intent, walletName, onCancel, focusCancel = false }: WaitingProps) {
  const [slowStep, setSlowStep] = useState<Step>();
  const cancelButton = useRef<HTMLButtonElement>(null);
  const onWallet = walletName !== undefined && (step === 'connecting' || step === 'signing');

  useEffect(() => {
    if (!onWallet) return;
    const timer = setTimeout(() => setSlowStep(step), SLOW_WALLET_MS);
    return () => clearTimeout(timer);
  }, [onWallet, step]);

  useEffect(() => {
    if (focusCancel) cancelButton.current?.focus();
  }, [focusCancel]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onCancel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onCancel]);

  return (
    <div className="waiting">
      <Progress step={step} intent={intent} walletName={walletName} />
      {onWallet && slowStep === step && (
        <p className="notice notice-info" role="status">
          Don't see it? Open your wallet ({walletName}): the request is waiting there. In a browser, its icon is in the
          toolbar; on a phone, switch to its app.
        </p>
      )}
      <button type="button" className="button button-quiet" ref={cancelButton} onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

export interface ErrorNoticeProps {
  error: unknown;
  registration: 'open' | 'closed';
  /** The address that signed, when known: address_not_registered then names it. */
  address?: string;
  /** Extra actions, e.g. Try again. */
  children?: ReactNode;
}

export function ErrorNotice({ error, registration, address, children }: ErrorNoticeProps) {
  const code = errorCode(error);
  const unregistered = code === 'address_not_registered';
  return (
    <div className="notice notice-error" role="alert" data-code={code}>
      {unregistered && address !== undefined ? (
        <p>
          The address <code className="address-inline">{address}</code> doesn't have an account here.
        </p>
      ) : (
        <p>{describeError(error)}</p>
      )}
      {unregistered && registration === 'closed' && <p>Ask the administrator of this site to add your address.</p>}
      {children}
    </div>
  );
}
