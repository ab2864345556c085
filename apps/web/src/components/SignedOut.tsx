// The signed-out state: with registration open, one way in that signs in or creates the account
// from one signature (POST /api/auth/register signs an existing address in); with it closed, sign
// in only. Sign with a wallet, a pasted signature or, in developer mode, a test key; switching
// between them moves focus to the new panel's heading, which announces it.

import { useEffect, useRef, useState, type ReactNode, type Ref } from 'react';
import type { PublicConfig } from '../api';
import type { Clock } from '../format';
import type { Wallet } from '../signers/wallet';
import type { SignInResult } from '../signIn';
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
  /** The page's clock, for the paste mode's countdown. */
  clock: Clock;
  onSignedIn(result: SignInResult, wallet?: Wallet): void;
  /**
   * For an OpenID Connect sign-in: its interaction uid (the challenges list where it goes on
   * to), and the heading and lead that name the application instead of this site's own.
   */
  interaction?: { uid: string; title: string; lead: ReactNode };
}

export function SignedOut({ config, wallets, notice, headingRef, clock, onSignedIn, interaction }: SignedOutProps) {
  const [mode, setMode] = useState<Mode>('wallet');
  const panelHeading = useRef<HTMLHeadingElement>(null);
  const shownMode = useRef<Mode>(mode);
  const registrationOpen = config.registration === 'open';
  const intent = registrationOpen ? 'register' : 'login';
  const modes: Mode[] = config.devKeySignIn ? ['wallet', 'paste', 'devKey'] : ['wallet', 'paste'];
  const panelProps = { intent, registration: config.registration, headingRef: panelHeading, interaction: interaction?.uid } as const;

  // Focus follows a switch of panel (not the first one shown: the page's heading has it then).
  useEffect(() => {
    if (shownMode.current === mode) return;
    shownMode.current = mode;
    panelHeading.current?.focus();
  }, [mode]);

  return (
    <>
      <h1 ref={headingRef} tabIndex={-1}>
        {interaction?.title ?? (registrationOpen ? 'Sign in or create an account' : 'Sign in')}
      </h1>
      <p className="lead">
        {interaction?.lead ??
          (registrationOpen
            ? 'Your Ethereum address is your account: sign one message to sign in, or to create your account if you are new. No password, no email.'
            : 'Prove you hold your Ethereum address by signing one message: no password. Accounts here are added by the site’s administrator.')}
      </p>
      {notice && (
        <p className="notice notice-info" role="status">
          {notice}
        </p>
      )}
      {mode === 'wallet' && <WalletPanel {...panelProps} wallets={wallets} onSignedIn={onSignedIn} />}
      {mode === 'paste' && <PastePanel {...panelProps} clock={clock} onSignedIn={(result) => onSignedIn(result)} />}
      {mode === 'devKey' && config.devKeySignIn && <DevKeyPanel {...panelProps} onSignedIn={(result) => onSignedIn(result)} />}

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
    </>
  );
}
