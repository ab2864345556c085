// Developer mode: sign in with a pasted test private key, signed in the page with web3.js. Shown
// only when the server enables it (DEV_KEY_SIGNIN=1). The key is read from the field, which is
// cleared at once, and lives in a local variable for one sign-in: never in React state, never in
// storage, never sent.

import { useEffect, useId, useRef, useState, type FormEvent, type Ref } from 'react';
import type { Intent } from '../api';
import { AppError, isCancelled } from '../errors';
import { signIn, type SignInResult, type Step } from '../signIn';
import { ErrorNotice, Waiting } from './Status';

export interface DevKeyPanelProps {
  intent: Intent;
  registration: 'open' | 'closed';
  /** The panel's heading, focused when the panel is switched to. */
  headingRef: Ref<HTMLHeadingElement>;
  onSignedIn(result: SignInResult): void;
  /** The OpenID Connect interaction this sign-in serves, if any (its challenges say where it goes on to). */
  interaction?: string;
}

export function DevKeyPanel({ intent, registration, headingRef, onSignedIn, interaction }: DevKeyPanelProps) {
  const keyInput = useRef<HTMLInputElement>(null);
  const [step, setStep] = useState<Step>();
  const [error, setError] = useState<{ error: unknown; address?: string }>();
  const attempt = useRef<AbortController | undefined>(undefined);
  const ids = useId();

  useEffect(() => () => attempt.current?.abort(), []);

  const cancel = (): void => {
    attempt.current?.abort();
    attempt.current = undefined;
    setStep(undefined);
    keyInput.current?.focus();
  };

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const input = keyInput.current;
    if (!input) return;
    const privateKey = input.value;
    input.value = '';
    setError(undefined);
    attempt.current?.abort();
    const controller = new AbortController();
    attempt.current = controller;
    const { signal } = controller;
    setStep('requesting');
    let address: string | undefined;
    try {
      if (privateKey.trim() === '') throw new AppError('key_invalid');
      // web3-eth-accounts is loaded only here, so the sign-in page stays small for everyone else.
      const { addressOfKey, signWithKey } = await import('../signers/devKey');
      address = addressOfKey(privateKey);
      const result = await signIn({
        intent,
        address,
        host: window.location.host,
        interaction,
        sign: async (challenge) => signWithKey({ message: challenge.message, privateKey }),
        onStep: (next) => {
          if (!signal.aborted) setStep(next);
        },
        signal,
      });
      if (signal.aborted) return;
      onSignedIn(result);
    } catch (caught) {
      if (signal.aborted || isCancelled(caught)) return;
      setError({ error: caught, address });
      setStep(undefined);
      input.focus();
    }
  };

  return (
    <form className="panel" onSubmit={(event) => void submit(event)} aria-busy={step !== undefined}>
      <h2 className="panel-title" ref={headingRef} tabIndex={-1}>
        Developer key <span className="badge">Developer mode</span>
      </h2>
      <p className="notice notice-warning">
        For test keys only: never paste a key that holds real funds. The key signs in this page with web3.js; it is not
        sent or stored, and the field is cleared as soon as you submit.
      </p>
      <div className="field">
        <label htmlFor={`${ids}-key`}>Test private key</label>
        <input
          id={`${ids}-key`}
          ref={keyInput}
          className="input mono"
          type="password"
          name="dev-private-key"
          placeholder="0x… (64 hex digits)"
          autoComplete="off"
          autoCorrect="off"
          autoCapitalize="off"
          spellCheck={false}
        />
      </div>
      {step !== undefined ? (
        <Waiting step={step} intent={intent} onCancel={cancel} focusCancel />
      ) : (
        <button type="submit" className="button button-primary button-wide">
          {intent === 'register' ? 'Continue with key' : 'Sign in with key'}
        </button>
      )}
      {error !== undefined && <ErrorNotice error={error.error} registration={registration} address={error.address} />}
    </form>
  );
}
