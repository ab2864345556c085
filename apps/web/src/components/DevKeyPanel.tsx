// Developer mode: sign in with a pasted test private key, signed in the page with web3.js. Shown
// only when the server enables it (DEV_KEY_SIGNIN=1). The key is read from the field, which is
// cleared at once, and lives in a local variable for one sign-in: never in React state, never in
// storage, never sent.

import { useId, useRef, useState, type FormEvent } from 'react';
import type { Intent, Me } from '../api';
import { AppError } from '../errors';
import { signIn, type Step } from '../signIn';
import { ErrorNotice, Progress } from './Status';

export interface DevKeyPanelProps {
  intent: Intent;
  registration: 'open' | 'closed';
  onSignedIn(me: Me): void;
  onIntentChange(intent: Intent): void;
}

export function DevKeyPanel({ intent, registration, onSignedIn, onIntentChange }: DevKeyPanelProps) {
  const keyInput = useRef<HTMLInputElement>(null);
  const [step, setStep] = useState<Step>();
  const [error, setError] = useState<unknown>();
  const ids = useId();

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const input = keyInput.current;
    if (!input) return;
    const privateKey = input.value;
    input.value = '';
    setError(undefined);
    setStep('requesting');
    try {
      if (privateKey.trim() === '') throw new AppError('key_invalid');
      // web3-eth-accounts is loaded only here, so the sign-in page stays small for everyone else.
      const { addressOfKey, signWithKey } = await import('../signers/devKey');
      const address = addressOfKey(privateKey);
      onSignedIn(
        await signIn({
          intent,
          address,
          host: window.location.host,
          sign: async (challenge) => signWithKey({ message: challenge.message, privateKey }),
          onStep: setStep,
        }),
      );
    } catch (caught) {
      setError(caught);
      input.focus();
    } finally {
      setStep(undefined);
    }
  };

  const verb = intent === 'register' ? 'Create account' : 'Sign in';
  return (
    <form className="panel" onSubmit={(event) => void submit(event)} aria-busy={step !== undefined}>
      <h2 className="panel-title">
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
      <button type="submit" className="button button-primary button-wide" disabled={step !== undefined}>
        {verb} with key
      </button>
      {step !== undefined && <Progress step={step} />}
      {error !== undefined && (
        <ErrorNotice
          error={error}
          registration={registration}
          onCreateAccount={
            intent === 'login'
              ? () => {
                  onIntentChange('register');
                  setError(undefined);
                  keyInput.current?.focus();
                }
              : undefined
          }
        />
      )}
    </form>
  );
}
