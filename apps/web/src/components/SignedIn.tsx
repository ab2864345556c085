// The signed-in state: who (checksummed address, shortened, with copy, and "smart wallet" when a
// contract wallet signed in), until when, sign out, the address's sessions, and the applications
// it allowed (OpenID Connect). A sign-out the server could not make says plainly that the session is
// still on, with a Try again; the sentence goes as soon as the server is reached again.

import { useEffect, useRef } from 'react';
import type { Me } from '../api';
import { describeError, errorCode } from '../errors';
import { formatTime, isoTime, shortenAddress, type Clock } from '../format';
import type { Wallet } from '../signers/wallet';
import { AllowedApps } from './AllowedApps';
import { CopyButton } from './CopyButton';
import { SessionList } from './SessionList';
import { WalletIcon } from './WalletIcon';

export interface SignedInProps {
  me: Me;
  /** The wallet that signed in, when it was one and it is still here. */
  wallet?: Wallet;
  /** This sign-in created the account (registration open, an address new here). */
  created: boolean;
  signingOut: boolean;
  onSignOut(): void;
  /** Why the last sign-out failed: the session is still on. */
  signOutError?: unknown;
  /** The page's clock, for the session list's "5 minutes ago". */
  clock: Clock;
  registration: 'open' | 'closed';
  /** Ends every session of the address; rejects with the failure. */
  onSignOutEverywhere(): Promise<void>;
  /** A call to the server worked again: errors from when it did not are stale. */
  onServerReached(): void;
}

export function SignedIn({
  me, wallet, created, signingOut, onSignOut, signOutError, clock, registration, onSignOutEverywhere, onServerReached,
}: SignedInProps) {
  const retryButton = useRef<HTMLButtonElement>(null);
  const failed = signOutError !== undefined;

  // Sign out was disabled while it waited, which drops focus: it goes to the retry.
  useEffect(() => {
    if (failed) retryButton.current?.focus();
  }, [failed, signOutError]);

  return (
    <div className="panel">
      {created && (
        <p className="notice notice-info" role="status">
          Welcome: your account is created. This address is your account here.
        </p>
      )}
      <dl className="facts">
        <div className="fact">
          <dt>Account</dt>
          <dd className="fact-address">
            <code className="address" title={me.address} data-testid="address">
              {shortenAddress(me.address)}
            </code>
            <span className="visually-hidden">{me.address}</span>
            {me.method !== 'eoa' && (
              // A contract wallet (ERC-1271, ERC-6492): its contract, not one key, said yes.
              <span className="tag" data-testid="wallet-kind" title="A contract wallet: its contract on the chain accepted the signature">
                smart wallet
              </span>
            )}
            <CopyButton text={me.address} label="Copy address" />
          </dd>
        </div>
        <div className="fact">
          <dt>Session expires</dt>
          <dd>
            <time dateTime={isoTime(me.expiresAt)} data-testid="expires">
              {formatTime(me.expiresAt)}
            </time>
          </dd>
        </div>
        {wallet && (
          <div className="fact">
            <dt>Wallet</dt>
            <dd className="fact-wallet">
              <WalletIcon icon={wallet.icon} />
              {wallet.name}
            </dd>
          </div>
        )}
      </dl>
      {failed ? (
        <div className="notice notice-error" role="alert" data-code={errorCode(signOutError)}>
          <p>
            <strong>You’re still signed in.</strong> {describeError(signOutError)}
          </p>
          <p>
            {/* aria-disabled, not disabled, while it waits: focus stays on it. */}
            <button
              type="button"
              className="button button-small"
              ref={retryButton}
              aria-disabled={signingOut}
              onClick={() => {
                if (!signingOut) onSignOut();
              }}
            >
              {signingOut ? 'Signing out…' : 'Try signing out again'}
            </button>
          </p>
        </div>
      ) : (
        <button type="button" className="button button-wide" onClick={onSignOut} disabled={signingOut}>
          {signingOut ? 'Signing out…' : 'Sign out'}
        </button>
      )}
      <SessionList clock={clock} registration={registration} onSignOutEverywhere={onSignOutEverywhere} onServerReached={onServerReached} />
      <AllowedApps clock={clock} registration={registration} onServerReached={onServerReached} />
    </div>
  );
}
