// In-process session events: one process, or the local half of the cross-process transports.

import { EventEmitter } from 'node:events';
import type { SessionEvents, SignedOutEvent } from './types';

const SIGNED_OUT = 'signed_out';

/** Listeners of this process; `emit` delivers to them in order and isolates their failures. */
export class LocalListeners {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  emit(event: SignedOutEvent): void {
    for (const listener of this.#emitter.listeners(SIGNED_OUT) as Array<(event: SignedOutEvent) => void>) {
      try {
        listener(event);
      } catch {
        // A listener's fault must not keep the event from the others.
      }
    }
  }

  subscribe(listener: (event: SignedOutEvent) => void): () => void {
    this.#emitter.on(SIGNED_OUT, listener);
    return () => this.#emitter.off(SIGNED_OUT, listener);
  }

  clear(): void {
    this.#emitter.removeAllListeners();
  }
}

/** Events within this process only: enough for a single instance. */
export function createLocalSessionEvents(): SessionEvents {
  const listeners = new LocalListeners();
  return {
    async publish(event) {
      listeners.emit(event);
    },
    subscribe: (listener) => listeners.subscribe(listener),
    async close() {
      listeners.clear();
    },
  };
}
