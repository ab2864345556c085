// Session event transports: in-process, Redis pub/sub (the real server, a channel of its own per
// test) and the cluster relay (worker ↔ primary message channels stood in for by emitters).

import { EventEmitter } from 'node:events';
import type { Worker } from 'node:cluster';
import pino from 'pino';
import { TEST_REDIS_URL, connectTestRedis, uniqueName } from '../../test/support/services';
import { CLUSTER_EVENT_MESSAGE, createClusterWorkerSessionEvents, relayClusterSessionEvents, type ClusterProcess } from './cluster';
import { createLocalSessionEvents } from './local';
import { openRedisSessionEvents } from './redis';
import { parseSignedOutEvent, type SessionEvents, type SignedOutEvent } from './types';

const ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';
const logger = pino({ level: 'silent' });

/** Resolves with the next event `events` delivers. */
const nextEvent = (events: SessionEvents): Promise<SignedOutEvent> =>
  new Promise((resolve) => {
    const unsubscribe = events.subscribe((event) => {
      unsubscribe();
      resolve(event);
    });
  });

describe('parseSignedOutEvent', () => {
  test.each([
    [{ address: ADDRESS, storeKey: 'k' }, { address: ADDRESS, storeKey: 'k' }],
    [{ address: ADDRESS }, { address: ADDRESS }],
    [{ address: ADDRESS, storeKey: 'k', extra: 1 }, { address: ADDRESS, storeKey: 'k' }],
    [{ address: '' }, undefined],
    [{ address: ADDRESS, storeKey: 7 }, undefined],
    [{ address: ADDRESS, storeKey: '' }, undefined],
    [{ storeKey: 'k' }, undefined],
    [null, undefined],
    ['text', undefined],
  ])('%j → %j', (input, expected) => {
    expect(parseSignedOutEvent(input)).toEqual(expected);
  });
});

describe('in-process events', () => {
  test('every listener hears each event once, a failing listener does not stop the others, unsubscribe stops delivery', async () => {
    const events = createLocalSessionEvents();
    const heard: string[] = [];
    events.subscribe(() => {
      throw new Error('listener fault');
    });
    const unsubscribe = events.subscribe((event) => heard.push(`a:${event.storeKey}`));
    events.subscribe((event) => heard.push(`b:${event.storeKey}`));
    await events.publish({ address: ADDRESS, storeKey: '1' });
    unsubscribe();
    await events.publish({ address: ADDRESS, storeKey: '2' });
    expect(heard).toEqual(['a:1', 'b:1', 'b:2']);
    await events.close();
  });
});

describe('Redis pub/sub', () => {
  test('instances on one channel hear each other once; their own events are not echoed twice', async () => {
    const channel = uniqueName('events');
    const first = await openRedisSessionEvents({ url: TEST_REDIS_URL, channel, senderId: 'first', logger });
    const second = await openRedisSessionEvents({ url: TEST_REDIS_URL, channel, senderId: 'second', logger });
    try {
      const heardByFirst: SignedOutEvent[] = [];
      first.subscribe((event) => heardByFirst.push(event));
      const atSecond = nextEvent(second);
      await first.publish({ address: ADDRESS, storeKey: 'from-first' });
      expect(await atSecond).toEqual({ address: ADDRESS, storeKey: 'from-first' });

      // A round trip the other way shows the first instance's own echo has come and gone.
      const atFirst = nextEvent(first);
      await second.publish({ address: ADDRESS });
      expect(await atFirst).toEqual({ address: ADDRESS });
      expect(heardByFirst).toEqual([{ address: ADDRESS, storeKey: 'from-first' }, { address: ADDRESS }]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test('malformed messages and other channels are ignored', async () => {
    const channel = uniqueName('events');
    const events = await openRedisSessionEvents({ url: TEST_REDIS_URL, channel, senderId: 'me', logger });
    const redis = await connectTestRedis();
    try {
      const heard = nextEvent(events);
      await redis.publish(channel, 'not json');
      await redis.publish(channel, JSON.stringify({ sender: 'other', event: { storeKey: 'no address' } }));
      await redis.publish(`${channel}:other`, JSON.stringify({ sender: 'other', event: { address: 'wrong channel' } }));
      await redis.publish(channel, JSON.stringify({ sender: 'other', event: { address: ADDRESS, storeKey: 'good' } }));
      // Messages on one channel arrive in order, so the good one is the first delivered.
      expect(await heard).toEqual({ address: ADDRESS, storeKey: 'good' });
    } finally {
      redis.disconnect();
      await events.close();
    }
  });

  test('opening fails with a clear error when Redis cannot be reached', async () => {
    await expect(
      openRedisSessionEvents({ url: 'redis://127.0.0.1:1', senderId: 'x', logger, connectTimeoutMs: 500 }),
    ).rejects.toThrow(/session events: cannot subscribe on Redis/);
  });
});

describe('cluster relay', () => {
  /** A worker's IPC channel: what it sends goes to the primary's relay; what the primary sends arrives as 'message'. */
  class FakeChannel extends EventEmitter implements ClusterProcess {
    constructor(private readonly toPrimary: (message: unknown) => void) {
      super();
    }
    send = (message: unknown): boolean => {
      this.toPrimary(message);
      return true;
    };
  }

  test('an event published in one worker reaches every other worker once, and the publisher at once', async () => {
    const channels: FakeChannel[] = [];
    const workers = [0, 1, 2].map((index) => ({
      isConnected: () => true,
      send: (message: unknown) => channels[index]!.emit('message', message),
    })) as unknown as Worker[];
    const relayed: boolean[] = [];
    for (const index of [0, 1, 2]) {
      channels.push(new FakeChannel((message) => relayed.push(relayClusterSessionEvents(workers[index]!, message, workers))));
    }
    const events = channels.map((channel) => createClusterWorkerSessionEvents(channel));
    const heard = events.map(() => [] as SignedOutEvent[]);
    events.forEach((worker, index) => worker.subscribe((event) => heard[index]!.push(event)));

    await events[1]!.publish({ address: ADDRESS, storeKey: 'k' });
    expect(heard).toEqual([[{ address: ADDRESS, storeKey: 'k' }], [{ address: ADDRESS, storeKey: 'k' }], [{ address: ADDRESS, storeKey: 'k' }]]);
    expect(relayed).toEqual([true]);

    // Other IPC traffic is not the relay's; a malformed event is dropped.
    expect(relayClusterSessionEvents(workers[0]!, { type: 'prom-client:getMetricsReq' }, workers)).toBe(false);
    expect(relayClusterSessionEvents(workers[0]!, { type: CLUSTER_EVENT_MESSAGE, event: { storeKey: 'x' } }, workers)).toBe(true);
    expect(heard.map((list) => list.length)).toEqual([1, 1, 1]);
    await Promise.all(events.map((worker) => worker.close()));
  });
});
