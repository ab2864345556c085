// Paste-a-signature mode: get a challenge, sign its message elsewhere (the CLI's `wallet-login
// sign`, a wallet's signing tool), paste the signature back, sign in. The whole message is shown
// (wrapped, never cut off), with a countdown to its expiry; the page names the address a pasted
// signature came from before anything is sent, and after a failure that used the message up it
// fetches a new one at once and says so.

import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode, type Ref } from 'react';
import { normalizeAddress } from '@wallet-login/challenge';
import { createChallenge, type Challenge, type Intent } from '../api';
import { AppError, isCancelled } from '../errors';
import { formatTime, isoTime, type Clock } from '../format';
import { CLI_SIGN_COMMAND, normalizePastedSignature } from '../signers/paste';
import type { PastedSigner } from '../signers/recover';
import { finishSignIn, type SignInResult } from '../signIn';
import { CopyButton } from './CopyButton';
import { ErrorNotice, Waiting } from './Status';

export interface PastePanelProps {
  intent: Intent;
  registration: 'open' | 'closed';
  /** The panel's heading, focused when the panel is switched to. */
  headingRef: Ref<HTMLHeadingElement>;
  /** The page's clock, for the countdown. */
  clock: Clock;
  onSignedIn(result: SignInResult): void;
  /** The OpenID Connect interaction this sign-in serves, if any (its challenges say where it goes on to). */
  interaction?: string;
}

/** A challenge as shown: when it arrived by this page's clock, and the address it is bound to. */
interface Shown {
  challenge: Challenge;
  /** The page's clock when it arrived: the countdown runs on it, whatever the server's clock says. */
  receivedAt: number;
  /** The address typed in, checksummed: the only one whose signature the server accepts. */
  bound?: string;
}

export function PastePanel({ intent, registration, headingRef, clock, onSignedIn, interaction }: PastePanelProps) {
  const [shown, setShown] = useState<Shown>();
  const [busy, setBusy] = useState<'requesting' | 'verifying'>();
  const [error, setError] = useState<{ error: unknown; address?: string; renewed?: boolean; naming?: string }>();
  const [address, setAddress] = useState('');
  const [signature, setSignature] = useState('');
  const [signer, setSigner] = useState<{ signature: string; signer?: PastedSigner }>();
  const messageHeading = useRef<HTMLHeadingElement>(null);
  const getButton = useRef<HTMLButtonElement>(null);
  const signatureField = useRef<HTMLTextAreaElement>(null);
  /** Where focus goes once a wait is over without a new view (its Cancel is gone then). */
  const focusAfter = useRef<'get' | 'signature' | undefined>(undefined);
  const attempt = useRef<AbortController | undefined>(undefined);
  const ids = useId();

  useEffect(() => () => attempt.current?.abort(), []);

  useEffect(() => {
    if (shown) messageHeading.current?.focus();
  }, [shown]);

  useEffect(() => {
    if (busy !== undefined) return;
    const target = focusAfter.current;
    focusAfter.current = undefined;
    if (target === 'get') getButton.current?.focus();
    else if (target === 'signature') signatureField.current?.focus();
  }, [busy]);

  // The signer of what was pasted, worked out in the page (the recovery code loads on first use).
  const normalized = (() => {
    try {
      return normalizePastedSignature(signature);
    } catch {
      return undefined;
    }
  })();
  useEffect(() => {
    if (!shown || normalized === undefined) return;
    let current = true;
    void import('../signers/recover').then(({ recoverPastedSigner }) => {
      if (!current) return;
      setSigner({ signature: normalized, signer: recoverPastedSigner({ message: shown.challenge.message, signature: normalized, expected: shown.bound }) });
    });
    return () => {
      current = false;
    };
  }, [shown, normalized]);
  const pastedSigner = signer !== undefined && signer.signature === normalized ? signer.signer : undefined;

  const begin = (): AbortSignal => {
    attempt.current?.abort();
    const controller = new AbortController();
    attempt.current = controller;
    return controller.signal;
  };

  const cancel = (): void => {
    attempt.current?.abort();
    attempt.current = undefined;
    focusAfter.current = busy === 'requesting' ? 'get' : 'signature';
    setBusy(undefined);
  };

  /** A new challenge bound to `bound`, or the failure. */
  const fetchChallenge = async (bound: string | undefined, signal: AbortSignal): Promise<Shown> => {
    const challenge = await createChallenge({ address: bound, interaction }, signal);
    return { challenge, receivedAt: clock.now(), bound };
  };

  const requestChallenge = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    const typed = address.trim();
    const bound = typed === '' ? undefined : normalizeAddress(typed);
    if (typed !== '' && bound === undefined) {
      setError({ error: new AppError('invalid_address') });
      return;
    }
    const signal = begin();
    setBusy('requesting');
    try {
      const next = await fetchChallenge(bound, signal);
      if (signal.aborted) return;
      setSignature('');
      setShown(next);
    } catch (caught) {
      if (signal.aborted || isCancelled(caught)) return;
      setError({ error: caught });
      focusAfter.current = 'get';
    } finally {
      if (!signal.aborted) setBusy(undefined);
    }
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!shown) return;
    setError(undefined);
    let checked: string;
    try {
      checked = normalizePastedSignature(signature);
    } catch (caught) {
      setError({ error: caught });
      return;
    }
    const signal = begin();
    const signedBy = pastedSigner?.address;
    setBusy('verifying');
    try {
      // A message that names no address cannot create an account (any signature recovers to some
      // address, so the server refuses it at /register): it signs in only.
      const effective: Intent = shown.bound === undefined ? 'login' : intent;
      const result = await finishSignIn(effective, { sid: shown.challenge.sid, signature: checked, message: shown.challenge.message }, signal);
      if (signal.aborted) return;
      onSignedIn(result);
    } catch (caught) {
      if (signal.aborted || isCancelled(caught)) return;
      // Any answer but a malformed request used the message up: a new one is fetched at once.
      if (caught instanceof AppError && caught.status === 400) {
        setError({ error: caught, address: signedBy });
        focusAfter.current = 'signature';
        return;
      }
      try {
        // An address with no account, signed over a message that named none: the new message names
        // it, so that signing that one creates the account.
        const naming =
          intent === 'register' && shown.bound === undefined && signedBy !== undefined && caught instanceof AppError && caught.code === 'address_not_registered'
            ? signedBy
            : undefined;
        const next = await fetchChallenge(shown.bound ?? naming, signal);
        if (signal.aborted) return;
        setSignature('');
        setShown(next);
        setError({ error: caught, address: signedBy, renewed: true, ...(naming !== undefined ? { naming } : {}) });
      } catch {
        if (signal.aborted) return;
        setShown(undefined);
        setError({ error: caught, address: signedBy });
        focusAfter.current = 'get';
      }
    } finally {
      if (!signal.aborted) setBusy(undefined);
    }
  };

  const errorBox = error !== undefined && (
    <ErrorNotice error={error.error} registration={registration} address={error.address}>
      {error.renewed &&
        (error.naming !== undefined ? (
          <p>To create its account, here is a new message that names {error.naming}: sign it with that address and paste the new signature.</p>
        ) : (
          <p>That message can't be used again, so here is a new one: sign it and paste the new signature.</p>
        ))}
    </ErrorNotice>
  );

  if (!shown) {
    return (
      <form className="panel" onSubmit={(event) => void requestChallenge(event)} aria-busy={busy !== undefined}>
        <h2 className="panel-title" ref={headingRef} tabIndex={-1}>
          Paste a signature
        </h2>
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
            {registration === 'open' ? 'Leave it empty to let any address sign.' : 'Leave it empty to accept any registered address.'}
          </p>
        </div>
        {busy === 'requesting' ? (
          <Waiting step="requesting" intent={intent} onCancel={cancel} focusCancel />
        ) : (
          <button type="submit" className="button button-primary button-wide" ref={getButton}>
            Get sign-in message
          </button>
        )}
        {errorBox}
      </form>
    );
  }

  const { challenge } = shown;
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
        <Countdown shown={shown} clock={clock} />
      </div>
      <p className="hint">
        To sign it with the command line, save the message to message.txt and run <code>{CLI_SIGN_COMMAND}</code>.
      </p>
      <details className="details">
        <summary>Request id (sid)</summary>
        <p className="hint">
          The message's Nonce, which the server knows this request by: <code data-testid="challenge-sid">{challenge.sid}</code>
        </p>
      </details>
      <div className="field">
        <label htmlFor={`${ids}-signature`}>Signature</label>
        <textarea
          id={`${ids}-signature`}
          ref={signatureField}
          className="input mono"
          rows={3}
          value={signature}
          onChange={(event) => setSignature(event.target.value)}
          placeholder="0x… (130 hex digits)"
          autoComplete="off"
          spellCheck={false}
          required
        />
        <SignerLine signer={pastedSigner} bound={shown.bound} />
      </div>
      {busy === 'verifying' ? (
        <Waiting step="verifying" intent={intent} onCancel={cancel} focusCancel />
      ) : (
        <div className="actions">
          <button type="submit" className="button button-primary">
            {intent === 'register' ? 'Continue' : 'Sign in'}
          </button>
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              setShown(undefined);
              setError(undefined);
            }}
          >
            Get a new message
          </button>
        </div>
      )}
      {errorBox}
    </form>
  );
}

/** Who signed what was pasted, said before it is sent; a signature of another text is caught here. */
function SignerLine({ signer, bound }: { signer?: PastedSigner; bound?: string }) {
  let content: ReactNode = null;
  let warning = false;
  if (signer !== undefined && signer.signedWithCrlf) {
    warning = true;
    content = (
      <>
        This signature is of the message with Windows line endings (CRLF), not of the message as issued, so it would be
        refused. Sign the message exactly as shown: <code>{CLI_SIGN_COMMAND}</code> reads CRLF as LF.
      </>
    );
  } else if (signer !== undefined && bound !== undefined && signer.address !== bound) {
    warning = true;
    content = (
      <>
        Signed by <code className="address-inline">{signer.address}</code>, but this message is for{' '}
        <code className="address-inline">{bound}</code>: sign it with that address.
      </>
    );
  } else if (signer !== undefined) {
    content = (
      <>
        Signed by <code className="address-inline" data-testid="pasted-signer">{signer.address}</code>
      </>
    );
  }
  return (
    <p className={warning ? 'notice notice-warning' : 'hint'} role="status" data-testid="signer-line">
      {content}
    </p>
  );
}

/** How long is left: "Expires in 4:59", by this page's clock from when the message arrived. */
function Countdown({ shown, clock }: { shown: Shown; clock: Clock }) {
  const { challenge, receivedAt } = shown;
  const lifetime = challenge.expiresAt - challenge.timestamp;
  const [now, setNow] = useState(() => clock.now());
  useEffect(() => {
    setNow(clock.now());
    const timer = setInterval(() => setNow(clock.now()), 1000);
    return () => clearInterval(timer);
  }, [clock, shown]);
  const left = Math.max(0, lifetime - (now - receivedAt));
  if (left === 0) {
    return (
      <p className="notice notice-warning" role="status">
        This message has expired: get a new one.
      </p>
    );
  }
  const seconds = Math.ceil(left / 1000);
  const text = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  return (
    <p className="hint">
      Expires in{' '}
      <span role="timer" data-testid="countdown">
        {text}
      </span>{' '}
      (at <time dateTime={isoTime(challenge.expiresAt)}>{formatTime(challenge.expiresAt)}</time>).
    </p>
  );
}
