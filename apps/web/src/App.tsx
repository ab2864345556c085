// The sign-in page: asks the server who is signed in before drawing anything (no flash of the
// wrong state on reload), then shows the signed-in or signed-out state. While signed in through a
// wallet, the wallet switching accounts or disconnecting signs out on the server too. While signed
// in, the live session (/api/ws) switches the page to signed out the moment the session ends
// anywhere else. `clock` is the page's one clock (main.tsx reads it), for "5 minutes ago". The
// document's title follows the state, so a tab says whether it is signed in.
//
// Two ways in from other applications: `?interaction=<uid>`, an OpenID Connect sign-in
// (components/Interaction.tsx), and `?return_to=<URL>` from forward auth, followed after signing
// in (or at once when signed in already) when returnTo.ts allows it, and silently dropped when not.

import { useCallback, useEffect, useRef, useState } from 'react';
import { getConfig, getInteraction, getMe, logout, logoutAll, type Me, type OidcInteraction, type PublicConfig } from './api';
import { Interaction, InteractionGone } from './components/Interaction';
import { SignedIn } from './components/SignedIn';
import { SignedOut } from './components/SignedOut';
import { ErrorNotice } from './components/Status';
import { errorCode } from './errors';
import type { Clock } from './format';
import { returnToOf } from './returnTo';
import { watchWallet, type Wallet, type WalletLoss } from './signers/wallet';
import { watchSession } from './liveSession';
import type { SignInResult } from './signIn';
import { useWallets } from './useWallets';

type View =
  | { kind: 'loading' }
  | { kind: 'failed'; error: unknown }
  /** `returnTo`: where to go once signed in (an allowed return_to). */
  | { kind: 'signedOut'; config: PublicConfig; notice?: string; returnTo?: string }
  | { kind: 'signedIn'; config: PublicConfig; me: Me; created?: boolean }
  /** Signed in, on the way to an allowed return_to. */
  | { kind: 'leaving'; to: string }
  | { kind: 'interaction'; config: PublicConfig; interaction: OidcInteraction }
  | { kind: 'interactionGone' };

const TITLES: Record<Exclude<View['kind'], 'interaction'>, string> = {
  loading: 'wallet-login',
  failed: 'Sign-in unavailable · wallet-login',
  signedOut: 'Sign in · wallet-login',
  signedIn: 'Signed in · wallet-login',
  leaving: 'Signed in · wallet-login',
  interactionGone: 'Sign-in request ended · wallet-login',
};

function titleOf(view: View): string {
  return view.kind === 'interaction' ? `Sign in to ${view.interaction.client.name} · wallet-login` : TITLES[view.kind];
}

/**
 * The last return_to this tab went to while already signed in, and when: the same one again within
 * RETURN_LOOP_MS means the application sent the visitor straight back (its cookie does not reach
 * it: COOKIE_DOMAIN), so the page stays instead of bouncing between the two for ever.
 */
const RETURN_STORAGE_KEY = 'wallet-login.returned';
const RETURN_LOOP_MS = 10_000;

function returnedLately(to: string, now: number): boolean {
  try {
    const last = JSON.parse(window.sessionStorage.getItem(RETURN_STORAGE_KEY) ?? 'null') as { to?: unknown; at?: unknown } | null;
    return last?.to === to && typeof last.at === 'number' && now - last.at >= 0 && now - last.at < RETURN_LOOP_MS;
  } catch {
    return false;
  }
}

function noteReturn(to: string, now: number): void {
  try {
    window.sessionStorage.setItem(RETURN_STORAGE_KEY, JSON.stringify({ to, at: now }));
  } catch {
    // Storage is off: no loop guard, nothing else lost.
  }
}

function hostOf(url: string): string {
  return new URL(url).host;
}

const NOTICES: Record<'signed_out' | 'signed_out_everywhere' | 'ended_elsewhere' | WalletLoss, string> = {
  signed_out: 'You signed out.',
  signed_out_everywhere: 'You signed out everywhere: every session of this address has ended.',
  ended_elsewhere: 'Your session ended elsewhere (another tab, site or device), so you are signed out here too.',
  account_changed: 'Your wallet switched to another account, so you were signed out here too.',
  disconnected: 'Your wallet disconnected, so you were signed out here too.',
};

/**
 * Which wallet signed in (its EIP-6963 rdns, not a secret), so its account changes are still
 * watched after a reload.
 */
const WALLET_STORAGE_KEY = 'wallet-login.wallet';

function readWalletKey(): string | undefined {
  try {
    return window.localStorage.getItem(WALLET_STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

function writeWalletKey(key: string | undefined): void {
  try {
    if (key === undefined) window.localStorage.removeItem(WALLET_STORAGE_KEY);
    else window.localStorage.setItem(WALLET_STORAGE_KEY, key);
  } catch {
    // Storage is off (private mode): account changes are then watched until the next reload only.
  }
}

export function App({ clock }: { clock: Clock }) {
  const [view, setView] = useState<View>({ kind: 'loading' });
  const wallets = useWallets();
  const [walletKey, setWalletKey] = useState(readWalletKey);
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<unknown>();
  const heading = useRef<HTMLHeadingElement>(null);
  const shownOnce = useRef(false);
  /** Set when this page signs out, so its own sign-out is not reported as one from elsewhere. */
  const signingOutHere = useRef(false);

  /** Goes to an allowed return_to, signed in. */
  const leave = useCallback(
    (to: string) => {
      noteReturn(to, clock.now());
      setView({ kind: 'leaving', to });
      window.location.assign(to);
    },
    [clock],
  );

  const load = useCallback(async () => {
    setView({ kind: 'loading' });
    const search = window.location.search;
    const uid = new URLSearchParams(search).get('interaction');
    try {
      if (uid) {
        const [config, interaction] = await Promise.all([
          getConfig(),
          getInteraction(uid).catch((error: unknown) => {
            if (errorCode(error) === 'not_found') return undefined;
            throw error;
          }),
        ]);
        setView(interaction ? { kind: 'interaction', config, interaction } : { kind: 'interactionGone' });
        return;
      }
      const [config, me] = await Promise.all([getConfig(), getMe()]);
      const returnTo = returnToOf(search, config);
      if (me && returnTo !== undefined && !returnedLately(returnTo, clock.now())) leave(returnTo);
      else if (me) setView({ kind: 'signedIn', config, me });
      else if (returnTo !== undefined) setView({ kind: 'signedOut', config, returnTo, notice: `Sign in to go on to ${hostOf(returnTo)}.` });
      else setView({ kind: 'signedOut', config });
    } catch (error) {
      setView({ kind: 'failed', error });
    }
  }, [clock, leave]);

  useEffect(() => {
    void load();
  }, [load]);

  const title = titleOf(view);
  useEffect(() => {
    document.title = title;
  }, [title]);

  // Focus follows the state (signed in, signed out), except on the first load.
  useEffect(() => {
    if (view.kind === 'loading') return;
    if (shownOnce.current) heading.current?.focus();
    shownOnce.current = true;
  }, [view.kind]);

  const rememberWallet = (key: string | undefined): void => {
    writeWalletKey(key);
    setWalletKey(key);
  };

  const onSignedIn = (config: PublicConfig, returnTo?: string) => ({ me, created }: SignInResult, wallet?: Wallet) => {
    rememberWallet(wallet?.key);
    setSignOutError(undefined);
    if (returnTo !== undefined) leave(returnTo);
    else setView({ kind: 'signedIn', config, me, created });
  };

  /**
   * Signs out; when the server cannot (down, or a store failure), the page stays signed in and
   * says so until a retry works or the server answers again. A retry keeps the last failure on
   * screen until it has an answer of its own.
   */
  const signOut = useCallback(async (config: PublicConfig, reason: 'signed_out' | WalletLoss) => {
    setSigningOut(true);
    signingOutHere.current = true;
    try {
      await logout();
      rememberWallet(undefined);
      setSignOutError(undefined);
      setView({ kind: 'signedOut', config, notice: NOTICES[reason] });
    } catch (error) {
      signingOutHere.current = false;
      setSignOutError(error);
    } finally {
      setSigningOut(false);
    }
  }, []);

  const clearSignOutError = useCallback(() => setSignOutError(undefined), []);

  /** Sign out everywhere (the session list confirms first); a failure is the list's to show. */
  const signOutEverywhere = useCallback(async (config: PublicConfig) => {
    setSignOutError(undefined);
    signingOutHere.current = true;
    try {
      await logoutAll();
    } catch (error) {
      signingOutHere.current = false;
      throw error;
    }
    rememberWallet(undefined);
    setView({ kind: 'signedOut', config, notice: NOTICES.signed_out_everywhere });
  }, []);

  const signedInAddress = view.kind === 'signedIn' ? view.me.address : undefined;
  const signedInConfig = view.kind === 'signedIn' ? view.config : undefined;
  useEffect(() => {
    if (signedInAddress === undefined || signedInConfig === undefined) return;
    // Stays set after this page signs out until the next session is watched: the server's
    // signed_out for that sign-out may arrive after the view has already changed.
    signingOutHere.current = false;
    return watchSession({
      onSignedOut: () => {
        if (signingOutHere.current) return;
        rememberWallet(undefined);
        setView({ kind: 'signedOut', config: signedInConfig, notice: NOTICES.ended_elsewhere });
      },
      isSignedIn: async () => (await getMe()) !== undefined,
    });
  }, [signedInAddress, signedInConfig]);

  const signedInWallet = view.kind === 'signedIn' && walletKey ? wallets.wallets.find((wallet) => wallet.key === walletKey) : undefined;

  useEffect(() => {
    if (view.kind !== 'signedIn' || !signedInWallet) return;
    return watchWallet(signedInWallet.provider, view.me.address, (reason) => void signOut(view.config, reason));
  }, [view, signedInWallet, signOut]);

  return (
    <div className="page">
      <header className="masthead">
        <img className="logo" src="/favicon.svg" alt="" width={28} height={28} />
        <span>wallet-login</span>
      </header>
      <main className="card" aria-busy={view.kind === 'loading'}>
        {view.kind === 'loading' && (
          <p className="loading" role="status">
            <span className="spinner" aria-hidden="true" />
            Loading…
          </p>
        )}
        {view.kind === 'failed' && (
          <>
            <h1 ref={heading} tabIndex={-1}>
              Sign-in is unavailable
            </h1>
            <ErrorNotice error={view.error} registration="closed" />
            <button type="button" className="button button-primary button-wide" onClick={() => void load()}>
              Try again
            </button>
          </>
        )}
        {view.kind === 'signedIn' && (
          <>
            <h1 ref={heading} tabIndex={-1}>
              You’re signed in
            </h1>
            <SignedIn
              me={view.me}
              wallet={signedInWallet}
              created={view.created === true}
              signingOut={signingOut}
              onSignOut={() => void signOut(view.config, 'signed_out')}
              signOutError={signOutError}
              clock={clock}
              registration={view.config.registration}
              onSignOutEverywhere={() => signOutEverywhere(view.config)}
              onServerReached={clearSignOutError}
            />
          </>
        )}
        {view.kind === 'signedOut' && (
          <SignedOut
            config={view.config}
            wallets={wallets}
            notice={view.notice}
            headingRef={heading}
            clock={clock}
            onSignedIn={onSignedIn(view.config, view.returnTo)}
          />
        )}
        {view.kind === 'leaving' && (
          <>
            <h1 ref={heading} tabIndex={-1}>
              You’re signed in
            </h1>
            <p className="progress" role="status">
              <span className="spinner" aria-hidden="true" />
              Going back to {hostOf(view.to)}…
            </p>
          </>
        )}
        {view.kind === 'interaction' && (
          <Interaction
            config={view.config}
            interaction={view.interaction}
            wallets={wallets}
            clock={clock}
            headingRef={heading}
            onWallet={(wallet) => rememberWallet(wallet?.key)}
          />
        )}
        {view.kind === 'interactionGone' && <InteractionGone headingRef={heading} />}
      </main>
      <footer className="footer">
        <p>Signing proves you hold the address. It costs nothing and sends no transaction.</p>
      </footer>
    </div>
  );
}
