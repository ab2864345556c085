// The progress line while the wallet or the server is working, and the error box.

import type { ReactNode } from 'react';
import type { Step } from '../signIn';
import { describeError, errorCode } from '../errors';

/** What the page is waiting for; `wallet` is the wallet's name, absent when the page signs itself. */
const STEP_TEXT: Record<Step, (wallet?: string) => string> = {
  connecting: (wallet) => `Waiting for ${wallet ?? 'your wallet'} to share an account…`,
  requesting: () => 'Getting a sign-in request from the server…',
  signing: (wallet) => (wallet ? `Confirm the sign-in message in ${wallet}…` : 'Signing the message…'),
  verifying: () => 'Checking the signature…',
};

export function Progress({ step, walletName }: { step: Step; walletName?: string }) {
  return (
    <p className="progress" role="status">
      <span className="spinner" aria-hidden="true" />
      {STEP_TEXT[step](walletName)}
    </p>
  );
}

export interface ErrorNoticeProps {
  error: unknown;
  registration: 'open' | 'closed';
  /** Offered with address_not_registered when registration is open. */
  onCreateAccount?: () => void;
  /** Extra actions, e.g. the other sign-in modes when there is no wallet. */
  children?: ReactNode;
}

export function ErrorNotice({ error, registration, onCreateAccount, children }: ErrorNoticeProps) {
  const code = errorCode(error);
  const unregistered = code === 'address_not_registered';
  return (
    <div className="notice notice-error" role="alert" data-code={code}>
      <p>{describeError(error)}</p>
      {unregistered && registration === 'closed' && <p>Ask the administrator of this site to add your address.</p>}
      {unregistered && registration === 'open' && onCreateAccount && (
        <p>
          <button type="button" className="button button-small" onClick={onCreateAccount}>
            Create an account with this address
          </button>
        </p>
      )}
      {children}
    </div>
  );
}
