// Paste-a-signature mode: get a challenge, sign its message elsewhere (the CLI's `wallet-login
// sign`, a wallet's signing tool), paste the signature back, sign in.

import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { createChallenge, type Challenge, type Intent, type Me } from '../api';
import { AppError } from '../errors';
import { formatTime, isoTime } from '../format';
import { CLI_SIGN_COMMAND, normalizePastedSignature } from '../signers/paste';
import { finishSignIn } from '../signIn';
import { normalizeAddress } from '@wallet-login/challenge';
import { CopyButton } from './CopyButton';
import { ErrorNotice, Progress } from './Status';

export interface PastePanelProps {
  intent: Intent;
  registration: 'open' | 'closed';
  onSignedIn(me: Me): void;
  onIntentChange(intent: Intent): void;
}

export function PastePanel({ intent, registration, onSignedIn, onIntentChange }: PastePanelProps) {
  const [challenge, setChallenge] = useState<Challenge>();
  const [busy, setBusy] = useState<'requesting' | 'verifying'>();
  const [error, setError] = useState<unknown>();
  const [address, setAddress] = useState('');
  const [signature, setSignature] = useState('');
  const messageHeading = useRef<HTMLHeadingElement>(null);
  const ids = useId();

  useEffect(() => {
    if (challenge) messageHeading.current?.focus();
  }, [challenge]);

  const requestChallenge = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    const typed = address.trim();
    const signer = typed === '' ? undefined : normalizeAddress(typed);
    if (typed !== '' && signer === undefined) {
      setError(new AppError('invalid_address'));
      return;
    }
    setBusy('requesting');
    try {
      setChallenge(await createChallenge(signer));
      setSignature('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(undefined);
    }
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!challenge) return;
    setError(undefined);
    let normalized: string;
    try {
      normalized = normalizePastedSignature(signature);
    } catch (caught) {
      setError(caught);
      return;
    }
    setBusy('verifying');
    try {
      onSignedIn(await finishSignIn(intent, { sid: challenge.sid, signature: normalized, message: challenge.message }));
    } catch (caught) {
      setError(caught);
      // Any answer but a malformed request used the challenge up: a new message is needed.
      if (!(caught instanceof AppError && caught.status === 400)) setChallenge(undefined);
    } finally {
      setBusy(undefined);
    }
  };

  const createAccount = (): void => {
    onIntentChange('register');
    setError(undefined);
  };

  const errorBox = error !== undefined && (
    <ErrorNotice error={error} registration={registration} onCreateAccount={intent === 'login' ? createAccount : undefined} />
  );

  if (!challenge) {
    return (
      <form className="panel" onSubmit={(event) => void requestChallenge(event)} aria-busy={busy !== undefined}>
        <h2 className="panel-title">Paste a signature</h2>
        <p className="hint">
          Get a sign-in message, sign it with another tool (the <code>wallet-login sign</code> command, a wallet's
          signing page), then paste the signature here.
        </p>
        <div className="field">
          <label htmlFor={`${ids}-address`}>Address that will sign (optional)</label>
          <input
            id={`${ids}-address`}
            className="input mono"
            value={address}
            onChange={(event) => setAddress(event.target.value)}
            placeholder="0x…"
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${ids}-address-hint`}
          />
          <p className="hint" id={`${ids}-address-hint`}>
            Leave it empty to accept any registered address.
          </p>
        </div>
        <button type="submit" className="button button-primary button-wide" disabled={busy !== undefined}>
          Get sign-in message
        </button>
        {busy === 'requesting' && <Progress step="requesting" />}
        {errorBox}
      </form>
    );
  }

  const verb = intent === 'register' ? 'Create account' : 'Sign in';
  return (
    <form className="panel" onSubmit={(event) => void submit(event)} aria-busy={busy !== undefined}>
      <h2 className="panel-title" ref={messageHeading} tabIndex={-1}>
        Sign this message exactly as shown
      </h2>
      <div className="field">
        <div className="field-head">
          <span id={`${ids}-message-label`}>Message</span>
          <CopyButton text={challenge.message} label="Copy message" />
        </div>
        <pre className="message" aria-labelledby={`${ids}-message-label`} data-testid="challenge-message" tabIndex={0}>
          {challenge.message}
        </pre>
      </div>
      <div className="field">
        <div className="field-head">
          <span>
            Request id (sid): <code data-testid="challenge-sid">{challenge.sid}</code>
          </span>
          <CopyButton text={challenge.sid} label="Copy sid" />
        </div>
        <p className="hint">
          Valid until <time dateTime={isoTime(challenge.expiresAt)}>{formatTime(challenge.expiresAt)}</time>. To sign it
          with the command line, save the message to message.txt and run <code>{CLI_SIGN_COMMAND}</code>.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-signature`}>Signature</label>
        <textarea
          id={`${ids}-signature`}
          className="input mono"
          rows={3}
          value={signature}
          onChange={(event) => setSignature(event.target.value)}
          placeholder="0x… (130 hex digits)"
          autoComplete="off"
          spellCheck={false}
          required
        />
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy !== undefined}>
          {verb}
        </button>
        <button
          type="button"
          className="button button-quiet"
          disabled={busy !== undefined}
          onClick={() => {
            setChallenge(undefined);
            setError(undefined);
          }}
        >
          Get a new message
        </button>
      </div>
      {busy === 'verifying' && <Progress step="verifying" />}
      {errorBox}
    </form>
  );
}
