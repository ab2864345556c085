// Sign in with a browser wallet: one button ("Continue with wallet" with registration open, which
// signs in or creates the account from one signature; "Sign in with wallet" with it closed), the
// wallet picker (EIP-6963), then connect → challenge → personal_sign → login or register, with
// progress, a Cancel for every wait, and errors in words. With no wallet at all it says so at once.

import { useEffect, useRef, useState, type Ref } from 'react';
import type { Intent } from '../api';
import { AppError, errorCode, isCancelled } from '../errors';
import { connectWallet, signWithWallet, type Wallet } from '../signers/wallet';
import { signIn, unlessCancelled, type SignInResult, type Step } from '../signIn';
import type { Wallets } from '../useWallets';
import { NoWallet } from './NoWallet';
import { ErrorNotice, Waiting } from './Status';
import { WalletIcon } from './WalletIcon';

export interface WalletPanelProps {
  intent: Intent;
  registration: 'open' | 'closed';
  wallets: Wallets;
  /** The panel's heading, focused when the panel is switched to. */
  headingRef: Ref<HTMLHeadingElement>;
  onSignedIn(result: SignInResult, wallet: Wallet): void;
  /** The OpenID Connect interaction this sign-in serves, if any (its challenges say where it goes on to). */
  interaction?: string;
}

type Phase = { name: 'idle' } | { name: 'picking' } | { name: 'busy'; wallet: Wallet; step: Step };

export function WalletPanel({ intent, registration, wallets, headingRef, onSignedIn, interaction }: WalletPanelProps) {
  const [phase, setPhase] = useState<Phase>({ name: 'idle' });
  const [error, setError] = useState<{ error: unknown; address?: string }>();
  /** The wallet of an attempt just cancelled: it may still show the request. */
  const [cancelledIn, setCancelledIn] = useState<string>();
  const [askedWithout, setAskedWithout] = useState(false);
  const pickerHeading = useRef<HTMLHeadingElement>(null);
  const busyHeading = useRef<HTMLHeadingElement>(null);
  const mainButton = useRef<HTMLButtonElement>(null);
  const previousPhase = useRef<Phase['name']>('idle');
  /** The attempt under way; aborting it makes everything it hears back be ignored. */
  const attempt = useRef<AbortController | undefined>(undefined);

  // Leaving the panel (another way to sign in) abandons the attempt under way.
  useEffect(() => () => attempt.current?.abort(), []);

  // Focus follows the panel: each view's heading as it opens, the main button when the panel
  // comes back from the picker, a wait or a failed attempt (the error itself is an alert).
  useEffect(() => {
    if (phase.name === 'picking') pickerHeading.current?.focus();
    else if (phase.name === 'busy' && previousPhase.current !== 'busy') busyHeading.current?.focus();
    else if (phase.name === 'idle' && previousPhase.current !== 'idle') mainButton.current?.focus();
    previousPhase.current = phase.name;
  }, [phase.name]);

  const start = (): void => {
    setError(undefined);
    setCancelledIn(undefined);
    const found = wallets.refresh();
    if (found.length === 0) setAskedWithout(true);
    else setPhase({ name: 'picking' });
  };

  const cancel = (): void => {
    if (phase.name !== 'busy') return;
    attempt.current?.abort();
    attempt.current = undefined;
    setCancelledIn(phase.wallet.name);
    setPhase({ name: 'idle' });
  };

  const run = async (wallet: Wallet): Promise<void> => {
    attempt.current?.abort();
    const controller = new AbortController();
    attempt.current = controller;
    const { signal } = controller;
    setError(undefined);
    setCancelledIn(undefined);
    setPhase({ name: 'busy', wallet, step: 'connecting' });
    let address: string | undefined;
    try {
      address = await unlessCancelled(connectWallet(wallet.provider), signal);
      const signer = address;
      const result = await signIn({
        intent,
        address,
        host: window.location.host,
        interaction,
        sign: (challenge) => signWithWallet(wallet.provider, { message: challenge.message, address: signer }),
        onStep: (step) => {
          if (!signal.aborted) setPhase({ name: 'busy', wallet, step });
        },
        signal,
      });
      if (signal.aborted) return;
      attempt.current = undefined;
      onSignedIn(result, wallet);
    } catch (caught) {
      // A cancelled attempt's answers, late or not, change nothing.
      if (signal.aborted || isCancelled(caught)) return;
      attempt.current = undefined;
      // The challenge names the connected account; any other signer means the wallet switched.
      setError({ error: errorCode(caught) === 'signature_invalid' ? new AppError('wrong_account', { cause: caught }) : caught, address });
      setPhase({ name: 'idle' });
    }
  };

  if (phase.name === 'busy') {
    return (
      <div className="panel" aria-busy="true">
        <h2 className="panel-title" ref={busyHeading} tabIndex={-1}>
          <WalletIcon icon={phase.wallet.icon} />
          {phase.wallet.name}
        </h2>
        <Waiting step={phase.step} intent={intent} walletName={phase.wallet.name} onCancel={cancel} />
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
              <button type="button" className="wallet-option" onClick={() => void run(wallet)}>
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

  if (wallets.wallets.length === 0 && (wallets.status === 'none' || askedWithout)) {
    return <NoWallet headingRef={headingRef} onLookAgain={() => wallets.refresh()} />;
  }

  return (
    <div className="panel">
      <h2 className="panel-title" ref={headingRef} tabIndex={-1}>
        Use a wallet
      </h2>
      <button type="button" className="button button-primary button-wide" ref={mainButton} onClick={start}>
        <WalletIcon />
        {intent === 'register' ? 'Continue with wallet' : 'Sign in with wallet'}
      </button>
      {cancelledIn !== undefined && (
        <p className="notice notice-info" role="status">
          Cancelled: nothing was signed in. If {cancelledIn} still shows the request, you can reject it there.
        </p>
      )}
      {error !== undefined && <ErrorNotice error={error.error} registration={registration} address={error.address} />}
    </div>
  );
}
