// The signed-in state: who (checksummed address, shortened, with copy), until when, and sign out.

import type { Me } from '../api';
import { formatTime, isoTime, shortenAddress } from '../format';
import type { Wallet } from '../signers/wallet';
import { CopyButton } from './CopyButton';
import { WalletIcon } from './WalletIcon';

export interface SignedInProps {
  me: Me;
  /** The wallet that signed in, when it was one and it is still here. */
  wallet?: Wallet;
  signingOut: boolean;
  onSignOut(): void;
}

export function SignedIn({ me, wallet, signingOut, onSignOut }: SignedInProps) {
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
    </div>
  );
}
