// A "Copy" button for an address or a message, that says when it worked. Its name says what it
// copies ("Copy address") and contains its visible text, as speech input needs (WCAG 2.5.3); the
// outcome is a status beside it, shown and announced.

import { useEffect, useState } from 'react';

export interface CopyButtonProps {
  text: string;
  /** What is copied, for screen readers: "Copy address". Starts with "Copy". */
  label: string;
}

export function CopyButton({ text, label }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };

  return (
    <span className="copy">
      <button type="button" className="button button-small" onClick={() => void copy()}>
        Copy<span className="visually-hidden">{label.replace(/^Copy/, '')}</span>
      </button>
      <span className="copy-status" role="status">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Could not copy: select the text and copy it by hand' : ''}
      </span>
    </span>
  );
}
