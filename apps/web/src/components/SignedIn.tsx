// The signed-in state: who (checksummed address, shortened, with copy), until when, sign out, and
// the address's sessions.

import type { Me } from '../api';
import { formatTime, isoTime, shortenAddress, type Clock } from '../format';
import type { Wallet } from '../signers/wallet';
import { CopyButton } from './CopyButton';
import { SessionList } from './SessionList';
import { ErrorNotice } from './Status';
import { WalletIcon } from './WalletIcon';

export interface SignedInProps {
  me: Me;
  /** The wallet that signed in, when it was one and it is still here. */
  wallet?: Wallet;
  signingOut: boolean;
  onSignOut(): void;
  /** Why the last sign-out failed, shown under its button. */
  signOutError?: unknown;
  /** The page's clock, for the session list's "5 minutes ago". */
  clock: Clock;
  registration: 'open' | 'closed';
  /** Ends every session of the address; rejects with the failure. */
  onSignOutEverywhere(): Promise<void>;
}

export function SignedIn({ me, wallet, signingOut, onSignOut, signOutError, clock, registration, onSignOutEverywhere }: SignedInProps) {
  return (
    <div className="panel">
      <dl className="facts">
        <div className="fact">
          <dt>Account</dt>
          <dd className="fact-address">
            <code className="address" title={me.address} data-testid="address">
              {shortenAddress(me.address)}
            </code>
            <span className="visually-hidden">{me.address}</span>
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
      <button type="button" className="button button-wide" onClick={onSignOut} disabled={signingOut}>
        {signingOut ? 'Signing out…' : 'Sign out'}
      </button>
      {signOutError !== undefined && <ErrorNotice error={signOutError} registration={registration} />}
      <SessionList clock={clock} registration={registration} onSignOutEverywhere={onSignOutEverywhere} />
    </div>
  );
}
