// An OpenID Connect sign-in: the page at `/?interaction=<uid>`, sent here by the provider for an
// application's authorization request. "Sign in to <application>", with the host it goes back
// to. The login step signs in as the page always does (wallet, pasted signature, developer key;
// the challenge lists where the sign-in goes on to), then completes the step; a browser already
// signed in completes it at once, with no signature (single sign-on), unless the application asks
// for a fresh one. The consent step says what the application will learn, with Allow and Deny.
// Each step ends in a navigation to where the provider says: its next step, or the application.

import { useCallback, useEffect, useRef, useState, type Ref } from 'react';
import { answerInteractionConsent, completeInteractionLogin, type OidcInteraction, type PublicConfig } from '../api';
import { errorCode } from '../errors';
import { shortenAddress, type Clock } from '../format';
import { describeScopes } from '../scopes';
import type { Wallet } from '../signers/wallet';
import type { Wallets } from '../useWallets';
import { SignedOut } from './SignedOut';
import { ErrorNotice } from './Status';

export interface InteractionProps {
  config: PublicConfig;
  interaction: OidcInteraction;
  wallets: Wallets;
  clock: Clock;
  /** The page's heading, focused when the page changes state. */
  headingRef: Ref<HTMLHeadingElement>;
  /** The wallet that signed in here, if one did: the page remembers it for its next visit. */
  onWallet(wallet?: Wallet): void;
}

type Phase =
  /** A signature is needed: `fresh` when the application wants one newer than the session's, `ended` when the session went meanwhile. */
  | { name: 'signIn'; reason?: 'fresh' | 'ended' }
  | { name: 'completing' }
  | { name: 'consent' }
  | { name: 'answering'; allow: boolean }
  | { name: 'leaving'; text: string }
  | { name: 'failed'; error: unknown; step: 'login' | 'consent' }
  | { name: 'gone' };

function firstPhase(interaction: OidcInteraction): Phase {
  if (interaction.prompt === 'consent') return { name: 'consent' };
  if (!interaction.signatureRequired) return { name: 'completing' };
  return interaction.signedIn !== null ? { name: 'signIn', reason: 'fresh' } : { name: 'signIn' };
}

export function Interaction({ config, interaction, wallets, clock, headingRef, onWallet }: InteractionProps) {
  const { uid, client } = interaction;
  const [phase, setPhase] = useState<Phase>(() => firstPhase(interaction));
  const retryButton = useRef<HTMLButtonElement>(null);
  /** One POST at a time, and the automatic one (single sign-on) only once. */
  const posting = useRef(false);
  const title = `Sign in to ${client.name}`;

  const completeLogin = useCallback(async () => {
    if (posting.current) return;
    posting.current = true;
    setPhase({ name: 'completing' });
    try {
      const next = await completeInteractionLogin(uid);
      setPhase({ name: 'leaving', text: `Continuing to ${client.name}…` });
      window.location.assign(next);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'not_found') setPhase({ name: 'gone' });
      else if (code === 'reauthentication_required') setPhase({ name: 'signIn', reason: 'fresh' });
      else if (code === 'unauthenticated') setPhase({ name: 'signIn', reason: 'ended' });
      else setPhase({ name: 'failed', error, step: 'login' });
    } finally {
      posting.current = false;
    }
  }, [uid, client.name]);

  const answer = async (allow: boolean): Promise<void> => {
    if (posting.current) return;
    posting.current = true;
    setPhase({ name: 'answering', allow });
    try {
      const next = await answerInteractionConsent(uid, allow);
      setPhase({ name: 'leaving', text: `Going back to ${client.redirectHost}…` });
      window.location.assign(next);
    } catch (error) {
      if (errorCode(error) === 'not_found') setPhase({ name: 'gone' });
      else setPhase({ name: 'failed', error, step: 'consent' });
    } finally {
      posting.current = false;
    }
  };

  // Single sign-on: signed in already, so the login step completes at once.
  const autoCompleted = useRef(false);
  useEffect(() => {
    if (autoCompleted.current || phase.name !== 'completing') return;
    autoCompleted.current = true;
    void completeLogin();
  }, [phase.name, completeLogin]);

  // A failure's retry takes focus (the buttons that led to it are gone).
  useEffect(() => {
    if (phase.name === 'failed') retryButton.current?.focus();
  }, [phase]);

  if (phase.name === 'gone') return <InteractionGone headingRef={headingRef} />;

  if (phase.name === 'signIn') {
    const notice =
      phase.reason === 'fresh'
        ? `${client.name} asks for a fresh signature, so sign the message once more.`
        : phase.reason === 'ended'
          ? 'Your session here ended meanwhile, so sign in again.'
          : undefined;
    return (
      <SignedOut
        config={config}
        wallets={wallets}
        notice={notice}
        headingRef={headingRef}
        clock={clock}
        interaction={{
          uid,
          title,
          lead: (
            <>
              Sign one message with your Ethereum wallet to sign in. No password, no email. Then you go back to{' '}
              <strong data-testid="redirect-host">{client.redirectHost}</strong>.
            </>
          ),
        }}
        onSignedIn={(_result, wallet) => {
          onWallet(wallet);
          void completeLogin();
        }}
      />
    );
  }

  const address = interaction.signedIn?.address;
  const scopes = describeScopes(interaction.missingScopes.length > 0 ? interaction.missingScopes : interaction.scopes);
  return (
    <div className="panel" aria-busy={phase.name === 'completing' || phase.name === 'answering' || phase.name === 'leaving'}>
      <h1 ref={headingRef} tabIndex={-1}>
        {title}
      </h1>
      <p className="lead">
        For <strong data-testid="redirect-host">{client.redirectHost}</strong>
      </p>
      {(phase.name === 'consent' || phase.name === 'answering' || (phase.name === 'failed' && phase.step === 'consent')) && (
        <>
          <p>
            <strong>{client.name}</strong> will learn your address
            {address !== undefined && (
              <>
                {' '}
                <code className="address-inline" title={address}>
                  {shortenAddress(address)}
                </code>
              </>
            )}
            :
          </p>
          <ul className="scope-list" aria-label={`What ${client.name} gets`}>
            {scopes.map((words) => (
              <li key={words}>{words}</li>
            ))}
          </ul>
          <p className="hint">Allow is remembered for this application, so next time you go straight back.</p>
        </>
      )}
      {phase.name === 'consent' && (
        <div className="actions">
          <button type="button" className="button button-primary" onClick={() => void answer(true)}>
            Allow
          </button>
          <button type="button" className="button" onClick={() => void answer(false)}>
            Deny
          </button>
        </div>
      )}
      {(phase.name === 'completing' || phase.name === 'answering' || phase.name === 'leaving') && (
        <p className="progress" role="status">
          <span className="spinner" aria-hidden="true" />
          {phase.name === 'completing' && `Signing you in to ${client.name}…`}
          {phase.name === 'answering' && (phase.allow ? 'Allowing…' : 'Denying…')}
          {phase.name === 'leaving' && phase.text}
        </p>
      )}
      {phase.name === 'failed' && (
        <ErrorNotice error={phase.error} registration={config.registration}>
          <p>
            <button
              type="button"
              className="button button-small"
              ref={retryButton}
              onClick={() => (phase.step === 'login' ? void completeLogin() : setPhase({ name: 'consent' }))}
            >
              Try again
            </button>
          </p>
        </ErrorNotice>
      )}
    </div>
  );
}

/**
 * A sign-in request this browser cannot continue (404 from the interaction API): expired, already
 * finished, or started in another browser. The way on is back at the application.
 */
export function InteractionGone({ headingRef }: { headingRef: Ref<HTMLHeadingElement> }) {
  return (
    <div className="panel">
      <h1 ref={headingRef} tabIndex={-1}>
        This sign-in request can’t continue
      </h1>
      <p className="lead">
        It has expired, was already finished, or was started in another browser. Go back to the application and sign in
        from there again.
      </p>
      <div className="actions">
        {window.history.length > 1 && (
          <button type="button" className="button button-primary" onClick={() => window.history.back()}>
            Go back
          </button>
        )}
        <a className="button" href="/">
          Open the wallet-login page
        </a>
      </div>
    </div>
  );
}
