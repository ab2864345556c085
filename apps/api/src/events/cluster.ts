// Session events between the workers of one node cluster (WORKERS > 1 without Redis): a worker
// sends the event to the primary over the IPC channel, and the primary hands it to every other
// worker. With Redis, the Redis transport is used instead and reaches other hosts too.

import type { Worker } from 'node:cluster';
import { LocalListeners } from './local';
import { parseSignedOutEvent, type SessionEvents } from './types';

/** The IPC message type; other messages on the channel are left alone. */
export const CLUSTER_EVENT_MESSAGE = 'wallet-login:signed-out';

interface ClusterEventMessage {
  type: typeof CLUSTER_EVENT_MESSAGE;
  event: unknown;
}

function isClusterEventMessage(message: unknown): message is ClusterEventMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === CLUSTER_EVENT_MESSAGE;
}

export interface ClusterProcess {
  send?: (message: unknown) => boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** A worker's events: its own listeners at once, the other workers through the primary. */
export function createClusterWorkerSessionEvents(channel: ClusterProcess = process): SessionEvents {
  const listeners = new LocalListeners();
  const receive = (message: unknown): void => {
    if (!isClusterEventMessage(message)) return;
    const event = parseSignedOutEvent(message.event);
    if (event) listeners.emit(event);
  };
  channel.on('message', receive);
  return {
    async publish(event) {
      listeners.emit(event);
      try {
        channel.send?.({ type: CLUSTER_EVENT_MESSAGE, event } satisfies ClusterEventMessage);
      } catch {
        // The primary is going away; the sockets' re-check covers it.
      }
    },
    subscribe: (listener) => listeners.subscribe(listener),
    async close() {
      channel.off('message', receive);
      listeners.clear();
    },
  };
}

/** In the primary: passes each worker's event on to every other live worker. */
export function relayClusterSessionEvents(from: Worker, message: unknown, workers: Iterable<Worker>): boolean {
  if (!isClusterEventMessage(message)) return false;
  const event = parseSignedOutEvent(message.event);
  if (!event) return true;
  for (const worker of workers) {
    if (worker === from || !worker.isConnected()) continue;
    try {
      worker.send({ type: CLUSTER_EVENT_MESSAGE, event } satisfies ClusterEventMessage);
    } catch {
      // The worker is exiting; it has no sockets left to tell.
    }
  }
  return true;
}
