// Session events over Redis pub/sub: every instance sharing the Redis server hears every other.
// A subscribed connection can do nothing else (RESP2), so there are two: one publishes, one
// listens. Listeners here hear an event at once; the copy Redis echoes back is skipped.

import type { Logger } from 'pino';
import { createRedisClient } from '../stores/redis';
import { LocalListeners } from './local';
import { parseSignedOutEvent, type SessionEvents } from './types';

export interface RedisSessionEventsOptions {
  /** redis:// or rediss:// URL (REDIS_URL). */
  url: string;
  /**
   * The pub/sub channel; instances that should hear each other use the same one.
   * @default 'wallet-login:session-events' (main.ts uses `${REDIS_PREFIX}session-events`)
   */
  channel?: string;
  /** Tells this process's own messages from the others' (random, from the injected CSPRNG). */
  senderId: string;
  logger: Logger;
  /**
   * How long opening, or a publish, may take before it fails, ms.
   * @default 5000
   */
  connectTimeoutMs?: number;
}

export const DEFAULT_EVENTS_CHANNEL = 'wallet-login:session-events';

/** Subscribes before resolving, so no event published after start-up is missed. */
export async function openRedisSessionEvents(options: RedisSessionEventsOptions): Promise<SessionEvents> {
  const { url, senderId, logger, connectTimeoutMs = 5000 } = options;
  const channel = options.channel ?? DEFAULT_EVENTS_CHANNEL;
  // The stores' client options. Publishing fails fast while Redis is away (the sockets' re-check
  // covers the gap) instead of queueing events that would arrive late.
  const client = { url, timeoutMs: connectTimeoutMs, name: 'wallet-login-events' };
  const publisher = createRedisClient(client);
  const subscriber = createRedisClient({ ...client, subscriber: true });
  const listeners = new LocalListeners();
  // Connection errors are retried by ioredis; log them once per change of state, never the URL.
  let reported = false;
  for (const connection of [publisher, subscriber]) {
    connection.on('error', (err: Error) => {
      if (!reported) logger.warn({ err: { message: err.message } }, 'session events: Redis connection error');
      reported = true;
    });
    connection.on('ready', () => {
      reported = false;
    });
  }

  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const { sender, event } = (message ?? {}) as { sender?: unknown; event?: unknown };
    if (sender === senderId) return;
    const parsed = parseSignedOutEvent(event);
    if (parsed) listeners.emit(parsed);
  });

  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw new Error(`session events: cannot subscribe on Redis: ${(error as Error).message}`, { cause: error });
  }

  return {
    async publish(event) {
      listeners.emit(event);
      try {
        await publisher.publish(channel, JSON.stringify({ sender: senderId, event }));
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'session events: publish failed');
      }
    },
    subscribe: (listener) => listeners.subscribe(listener),
    async close() {
      listeners.clear();
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
