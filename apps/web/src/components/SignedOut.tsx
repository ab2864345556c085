// The signed-out state: sign in (or create an account) with a wallet, a pasted signature or, in
// developer mode, a test key.

import { useState, type Ref } from 'react';
import type { Intent, Me, PublicConfig } from '../api';
import type { Wallet } from '../signers/wallet';
import type { Wallets } from '../useWallets';
import { DevKeyPanel } from './DevKeyPanel';
import { PastePanel } from './PastePanel';
import { WalletPanel } from './WalletPanel';

export type Mode = 'wallet' | 'paste' | 'devKey';

const MODE_LABELS: Record<Mode, string> = {
  wallet: 'Use a wallet',
  paste: 'Paste a signature',
  devKey: 'Use a developer key',
};

export interface SignedOutProps {
  config: PublicConfig;
  wallets: Wallets;
  /** Why the person is here: shown once, above the sign-in. */
  notice?: string;
  headingRef: Ref<HTMLHeadingElement>;
  onSignedIn(me: Me, wallet?: Wallet): void;
}

export function SignedOut({ config, wallets, notice, headingRef, onSignedIn }: SignedOutProps) {
  const [intent, setIntent] = useState<Intent>('login');
  const [mode, setMode] = useState<Mode>('wallet');
  const registrationOpen = config.registration === 'open';
  const modes: Mode[] = config.devKeySignIn ? ['wallet', 'paste', 'devKey'] : ['wallet', 'paste'];
  const panelProps = { intent, registration: config.registration, onIntentChange: setIntent };

  return (
    <>
      <h1 ref={headingRef} tabIndex={-1}>
        {intent === 'register' ? 'Create an account' : 'Sign in'}
      </h1>
      <p className="lead">
        {intent === 'register'
          ? 'Your Ethereum address is your account: no password, no email. Sign one message to create it.'
          : 'Prove you hold your Ethereum address by signing one message: no password.'}
      </p>
      {notice && (
        <p className="notice notice-info" role="status">
          {notice}
        </p>
      )}
      {mode === 'wallet' && <WalletPanel {...panelProps} wallets={wallets} onSignedIn={onSignedIn} />}
      {mode === 'paste' && <PastePanel {...panelProps} onSignedIn={(me) => onSignedIn(me)} />}
      {mode === 'devKey' && config.devKeySignIn && <DevKeyPanel {...panelProps} onSignedIn={(me) => onSignedIn(me)} />}

      <nav className="other-modes" aria-label="Other ways to sign in">
        <p className="divider">
          <span>or</span>
        </p>
        <div className="mode-buttons">
          {modes
            .filter((other) => other !== mode)
            .map((other) => (
              <button key={other} type="button" className={`button${other === 'devKey' ? ' button-dev' : ''}`} onClick={() => setMode(other)}>
                {MODE_LABELS[other]}
                {other === 'devKey' && <span className="badge"> Developer mode</span>}
              </button>
            ))}
        </div>
      </nav>

      {registrationOpen && (
        <p className="switch">
          {intent === 'login' ? (
            <>
              New here?{' '}
              <button type="button" className="link" onClick={() => setIntent('register')}>
                Create an account
              </button>
            </>
          ) : (
            <>
              Already have an account?{' '}
              <button type="button" className="link" onClick={() => setIntent('login')}>
                Sign in instead
              </button>
            </>
          )}
        </p>
      )}
    </>
  );
}
