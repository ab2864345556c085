// Sign in with a browser wallet: the "Sign in with wallet" button, the wallet picker (EIP-6963),
// then connect → challenge → personal_sign → login, with progress and errors in words.

import { useEffect, useRef, useState } from 'react';
import type { Intent, Me } from '../api';
import { AppError, errorCode } from '../errors';
import { connectWallet, signWithWallet, type Wallet } from '../signers/wallet';
import { signIn, type Step } from '../signIn';
import type { Wallets } from '../useWallets';
import { ErrorNotice, Progress } from './Status';
import { WalletIcon } from './WalletIcon';

export interface WalletPanelProps {
  intent: Intent;
  registration: 'open' | 'closed';
  wallets: Wallets;
  onSignedIn(me: Me, wallet: Wallet): void;
  onIntentChange(intent: Intent): void;
}

type Phase = { name: 'idle' } | { name: 'picking' } | { name: 'busy'; wallet: Wallet; step: Step };

export function WalletPanel({ intent, registration, wallets, onSignedIn, onIntentChange }: WalletPanelProps) {
  const [phase, setPhase] = useState<Phase>({ name: 'idle' });
  const [error, setError] = useState<unknown>();
  const lastWallet = useRef<Wallet | undefined>(undefined);
  const pickerHeading = useRef<HTMLHeadingElement>(null);
  const mainButton = useRef<HTMLButtonElement>(null);
  const previousPhase = useRef<Phase['name']>('idle');

  // Focus follows the panel: the picker's heading when it opens, the main button when the panel
  // comes back from the picker or a failed attempt (the error itself is announced as an alert).
  useEffect(() => {
    if (phase.name === 'picking') pickerHeading.current?.focus();
    else if (phase.name === 'idle' && previousPhase.current !== 'idle') mainButton.current?.focus();
    previousPhase.current = phase.name;
  }, [phase.name]);

  const start = (): void => {
    setError(undefined);
    const found = wallets.refresh();
    if (found.length === 0) setError(new AppError('wallet_not_found'));
    else setPhase({ name: 'picking' });
  };

  const run = async (wallet: Wallet, runIntent: Intent): Promise<void> => {
    lastWallet.current = wallet;
    setError(undefined);
    setPhase({ name: 'busy', wallet, step: 'connecting' });
    try {
      const address = await connectWallet(wallet.provider);
      const me = await signIn({
        intent: runIntent,
        address,
        host: window.location.host,
        sign: (challenge) => signWithWallet(wallet.provider, { message: challenge.message, address }),
        onStep: (step) => setPhase({ name: 'busy', wallet, step }),
      });
      onSignedIn(me, wallet);
    } catch (caught) {
      // The challenge names the connected account; any other signer means the wallet switched.
      setError(errorCode(caught) === 'signature_invalid' ? new AppError('wrong_account', { cause: caught }) : caught);
      setPhase({ name: 'idle' });
    }
  };

  const createAccount = (): void => {
    onIntentChange('register');
    if (lastWallet.current) void run(lastWallet.current, 'register');
  };

  const verb = intent === 'register' ? 'Create account' : 'Sign in';

  if (phase.name === 'busy') {
    return (
      <div className="panel" aria-busy="true">
        <div className="wallet-chosen">
          <WalletIcon icon={phase.wallet.icon} />
          <span>{phase.wallet.name}</span>
        </div>
        <Progress step={phase.step} walletName={phase.wallet.name} />
      </div>
    );
  }

  if (phase.name === 'picking') {
    return (
      <div
        className="panel"
        onKeyDown={(event) => {
          if (event.key === 'Escape') setPhase({ name: 'idle' });
        }}
      >
        <h2 className="panel-title" ref={pickerHeading} tabIndex={-1}>
          Choose a wallet
        </h2>
        <ul className="wallet-list" aria-label="Wallets in this browser">
          {wallets.wallets.map((wallet) => (
            <li key={wallet.id}>
              <button type="button" className="wallet-option" onClick={() => void run(wallet, intent)}>
                <WalletIcon icon={wallet.icon} />
                <span>{wallet.name}</span>
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="button button-quiet" onClick={() => setPhase({ name: 'idle' })}>
          Cancel
        </button>
      </div>
    );
  }

  return (
    <div className="panel">
      <button type="button" className="button button-primary button-wide" ref={mainButton} onClick={start}>
        <WalletIcon />
        {verb} with wallet
      </button>
      {error !== undefined && (
        <ErrorNotice error={error} registration={registration} onCreateAccount={intent === 'login' ? createAccount : undefined} />
      )}
    </div>
  );
}
