// What the wallet panel says when the browser has no wallet: found on load, not after a click. On
// a narrow touch screen (a phone) extensions are no help, so it offers to open this page in a
// wallet app's own browser instead, through each app's documented deep link.

import { useSyncExternalStore, type Ref } from 'react';

/** A phone: a coarse pointer and a narrow screen. */
const PHONE_QUERY = '(pointer: coarse) and (max-width: 40rem)';

function subscribePhone(onChange: () => void): () => void {
  const query = window.matchMedia(PHONE_QUERY);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

function isPhone(): boolean {
  return window.matchMedia(PHONE_QUERY).matches;
}

/** The wallet apps whose in-app browsers open a page from a link, and that link for `href`. */
export function walletAppLinks(href: string): Array<{ name: string; url: string }> {
  const page = new URL(href);
  return [
    // MetaMask: metamask.app.link/dapp/<host and path, no scheme>.
    { name: 'MetaMask', url: `https://metamask.app.link/dapp/${page.host}${page.pathname}${page.search}` },
    { name: 'Coinbase Wallet', url: `https://go.cb-w.com/dapp?cb_url=${encodeURIComponent(page.href)}` },
    // coin_id 60 is Ethereum (SLIP-44).
    { name: 'Trust Wallet', url: `https://link.trustwallet.com/open_url?coin_id=60&url=${encodeURIComponent(page.href)}` },
  ];
}

export interface NoWalletProps {
  headingRef?: Ref<HTMLHeadingElement>;
  /** Asks wallets to announce themselves again. */
  onLookAgain(): void;
}

export function NoWallet({ headingRef, onLookAgain }: NoWalletProps) {
  const phone = useSyncExternalStore(subscribePhone, isPhone);
  return (
    <div className="panel" data-testid="no-wallet">
      <h2 className="panel-title" ref={headingRef} tabIndex={-1}>
        No wallet in this browser
      </h2>
      {phone ? (
        <>
          <p className="hint">Open this page in your wallet app's browser to sign in with it:</p>
          <ul className="app-links" aria-label="Open in a wallet app">
            {walletAppLinks(window.location.href).map(({ name, url }) => (
              <li key={name}>
                <a className="button button-wide" href={url} rel="noopener noreferrer">
                  Open in {name}
                </a>
              </li>
            ))}
          </ul>
          <p className="hint">No wallet app? Use another way below.</p>
        </>
      ) : (
        <>
          <p className="hint">
            Install a wallet extension (MetaMask, Coinbase Wallet, Rabby…), then look again, or use another way below.
          </p>
          <button type="button" className="button button-wide" onClick={onLookAgain}>
            Look again
          </button>
        </>
      )}
    </div>
  );
}
