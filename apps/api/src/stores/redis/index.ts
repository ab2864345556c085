// Redis implementation of the ephemeral stores (../types.ts): challenges, sessions, the OpenID
// Connect provider's state and rate-limit counters, shared by every API process that points at the same Redis and key prefix.
//
// Keys, under the prefix (default `wl:`):
//   c:<sid>      challenge: JSON { x: expiresAt, c: challenge }, PX ttl
//   challenges   ZSET sid → expiresAt (count, sweep)
//   s:<id>       session: HASH x (expiresAt), d (JSON data), a (address, when signed in), PX ttl
//   sessions     ZSET id → expiresAt (count, sweep)
//   a:<address>  ZSET id → expiresAt: sessions bound to the address (listFor, destroyAllFor);
//                ids whose session is gone or rebound are dropped when next read
//   o:<model>:<id>     oidc-provider record: JSON { x: expiresAt, p: payload }, PX ttl
//   ox:<model>:<id>    its consumed mark (seconds since the epoch), set once (SET NX), PX ttl
//   oidc         ZSET <model>:<id> → expiresAt (sweep)
//   og:<model>:<grantId>  SET of <model>:<id> holding that grant (revokeByGrantId)
//   ou:<model>:<uid>, oc:<model>:<userCode>  the id of the record with that uid / user code
//   oa:<model>:<accountId>  ZSET id → expiresAt: records of the account (listByAccount);
//                stale ids are skipped when read
//   rl:<prefix>:<key>  rate-limiter-flexible counters
//   probe        written by the readiness check while writes are failing, PX 1 s
//
// What is live is decided by the stored expiry against the injected clock, never by Redis's own
// clock; the Redis TTLs only collect garbage. Multi-step changes run as Lua scripts (scripts.ts),
// so they are atomic across processes.
//
// Failing fast: commands are never queued while disconnected, each store call has a deadline,
// and every failure to serve surfaces as StoreUnavailableError (→ 503). The client reconnects on
// its own with a short backoff, so the API recovers when Redis returns. A Redis that answers but
// refuses writes (MISCONF after a failed save on a full disk, OOM, READONLY) keeps /readyz at
// 503 from the first refused write until a write succeeds again (../writes.ts).

import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { describeFailure, StoreUnavailableError, withDeadline } from '../errors';
import type { Clock, EphemeralStores, OidcPayload, RateLimiterOptions, SessionData, SessionSummary, StoredChallenge } from '../types';
import { SCRIPTS } from './scripts';
import { parseObject, parseSession, toStoredChallenge } from '../records';
import { createWriteTracker, guardRateLimiter } from '../writes';

export interface RedisStoresOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). Never logged or reported. */
  url: string;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. @default 'wl:' */
  prefix?: string;
  /** The time source for every expiry. */
  clock: Clock;
  /** Deadline of one store call, ms; also the connect and command timeout. */
  timeoutMs: number;
  /** Where connection loss and recovery are reported (once each, not per command). */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface RedisClientOptions {
  url: string;
  /** Connect and command timeout, ms. */
  timeoutMs: number;
  /** CLIENT SETNAME, to tell connections apart in CLIENT LIST. @default 'wallet-login' */
  name?: string;
  /**
   * A pub/sub subscriber: commands issued while reconnecting are queued (so a subscribe is sent
   * once the connection is back) and subscriptions are renewed after a reconnect.
   * @default false
   */
  subscriber?: boolean;
}

/** Scripts run at most this many keys at a time. */
const BATCH = 500;
/** Reconnect backoff: 100 ms, 200 ms, … capped at 1 s, so recovery follows Redis within a second. */
const RECONNECT_CAP_MS = 1000;

/** How long a closing connection may take to end before its socket is destroyed, ms. */
const DISCONNECT_TIMEOUT_MS = 200;

/**
 * The ioredis options of every client this server makes (the stores' and the session events'):
 * no offline queue (a command while disconnected fails at once instead of waiting), a timeout
 * per command, no retries of a failed command, reconnects forever with a short backoff. A
 * subscriber has the offline queue back on and resubscribes after a reconnect.
 */
export function redisClientOptions(options: Omit<RedisClientOptions, 'url'>): RedisOptions {
  const subscriber = options.subscriber ?? false;
  return {
    lazyConnect: true,
    enableOfflineQueue: subscriber,
    autoResubscribe: subscriber,
    maxRetriesPerRequest: 0,
    commandTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_CAP_MS),
    connectionName: options.name ?? 'wallet-login',
  };
}

/**
 * A new ioredis client with redisClientOptions (not connected yet: call `connect()`). Attach an
 * 'error' listener: ioredis emits one per failed reconnect.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  return new Redis(options.url, redisClientOptions(options));
}

/** The URL without credentials, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis';
  }
}

/** Replies that mean "not now" rather than "wrong command". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|OOM|MISCONF)\b/;

/** An error reply from the Redis server (as opposed to a connection failure). */
function isReplyError(error: unknown): error is Error {
  return error instanceof (ReplyError as typeof Error);
}

/** A Redis failure → StoreUnavailableError, except a reply error the command itself caused. */
function classify(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (isReplyError(error)) {
    // A MULTI whose commands were refused (OOM, MISCONF…) fails as EXECABORT; the refusals say why.
    const refused = /^EXECABORT\b/.test(error.message) ? (error as { previousErrors?: unknown[] }).previousErrors?.find(isReplyError) : error;
    if (refused === undefined || !TRANSIENT_REPLY.test(refused.message)) return error;
    return new StoreUnavailableError('redis', describeRedisFailure(refused), { cause: error });
  }
  return new StoreUnavailableError('redis', describeRedisFailure(error), { cause: error });
}

/** ioredis's messages for "not connected", in plain words. */
function describeRedisFailure(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'MaxRetriesPerRequestError') return 'connection lost';
  if (typeof message === 'string' && /enableOfflineQueue|Connection is closed/.test(message)) return 'not connected';
  return describeFailure(error);
}

type Script = (...args: Array<string | number>) => Promise<unknown>;

/**
 * Connects to Redis and returns the stores on it. Rejects with StoreUnavailableError when Redis
 * cannot be reached within `timeoutMs`, or is older than 6.2 (the oldest this server supports).
 */
export async function openRedisStores(options: RedisStoresOptions): Promise<EphemeralStores> {
  const { clock, timeoutMs, logger } = options;
  const prefix = options.prefix ?? 'wl:';
  const where = redactRedisUrl(options.url);
  const redis = createRedisClient({ url: options.url, timeoutMs });

  let lastError: unknown;
  let up = false;
  let closed = false;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  redis.on('ready', () => {
    if (!up && lastError !== undefined) logger?.info({ redis: where }, 'Redis connection restored');
    up = true;
  });
  redis.on('close', () => {
    if (up && !closed) logger?.warn({ redis: where, reason: lastError === undefined ? undefined : describeFailure(lastError) }, 'Redis connection lost; store calls answer 503 until it is back');
    up = false;
  });

  try {
    await withDeadline(() => redis.connect(), { service: 'redis', timeoutMs, classify });
    const info = await withDeadline(() => redis.info('server'), { service: 'redis', timeoutMs, classify });
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    if (version && (Number(version[1]) < 6 || (Number(version[1]) === 6 && Number(version[2]) < 2))) {
      throw new Error(`Redis at ${where} is version ${version[1]}.${version[2]}; 6.2 or newer is needed`);
    }
  } catch (error) {
    redis.disconnect();
    if (error instanceof StoreUnavailableError) {
      throw new StoreUnavailableError('redis', `not reachable at ${where}: ${describeFailure(lastError ?? error)}`, { cause: error });
    }
    throw error;
  }

  for (const [name, script] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, 'numberOfKeys' in script ? { lua: script.lua, numberOfKeys: script.numberOfKeys } : { lua: script.lua });
  }
  const scripts = redis as unknown as Record<keyof typeof SCRIPTS, Script>;

  const key = {
    challenge: (sid: string) => `${prefix}c:${sid}`,
    challengeIndex: `${prefix}challenges`,
    session: (id: string) => `${prefix}s:${id}`,
    sessionIndex: `${prefix}sessions`,
    address: (address: string) => `${prefix}a:${address}`,
    oidc: (member: string) => `${prefix}o:${member}`,
    oidcConsumed: (member: string) => `${prefix}ox:${member}`,
    oidcIndex: `${prefix}oidc`,
    oidcGrant: (model: string, grantId: string) => `${prefix}og:${model}:${grantId}`,
    oidcUid: (model: string, uid: string) => `${prefix}ou:${model}:${uid}`,
    oidcUserCode: (model: string, userCode: string) => `${prefix}oc:${model}:${userCode}`,
    oidcAccount: (model: string, accountId: string) => `${prefix}oa:${model}:${accountId}`,
    probe: `${prefix}probe`,
  };

  const writes = createWriteTracker('redis');
  /** Runs the Redis part of a store call under the deadline; failures become 503s. */
  const call = <T>(run: () => Promise<T>): Promise<T> => withDeadline(run, { service: 'redis', timeoutMs, classify });
  /** Runs a writing call through `call`, noting for /readyz whether writes are served. */
  const write = <T>(run: () => Promise<T>, wrote?: (result: T) => boolean): Promise<T> => writes.track(() => call(run), wrote);
  /** Redis TTL: at least 1 ms, whole ms. */
  const px = (ttlMs: number): number => Math.max(1, Math.ceil(ttlMs));

  const writeSession = async (id: string, data: SessionData, ttlMs: number, onlyIfLive: boolean): Promise<boolean> => {
    const now = clock.now();
    const address = typeof data.address === 'string' ? data.address : '';
    const keys = [key.session(id), key.sessionIndex, ...(address === '' ? [] : [key.address(address)])];
    const args = [id, now + ttlMs, px(ttlMs), JSON.stringify(data), address, onlyIfLive ? '1' : '0', now];
    const written = await write(() => scripts.writeSession(keys.length, ...keys, ...args), (result) => result === 1);
    return written === 1;
  };

  const destroySession = async (id: string): Promise<void> => {
    await write(() => execAll(redis.multi().del(key.session(id)).zrem(key.sessionIndex, id)), () => false);
  };

  /** The live payload `value` (the record) and `consumed` (its mark) hold, or undefined. */
  const readOidc = (value: string | null, consumed: string | null): OidcPayload | undefined => {
    if (value === null) return undefined;
    const stored = parseObject(value);
    if (stored === undefined || typeof stored.x !== 'number' || !(stored.x > clock.now())) return undefined;
    const payload = typeof stored.p === 'object' && stored.p !== null && !Array.isArray(stored.p) ? (stored.p as OidcPayload) : undefined;
    if (payload === undefined) return undefined;
    return consumed === null ? payload : { ...payload, consumed: Number(consumed) };
  };
  const findOidc = async (model: string, id: string): Promise<OidcPayload | undefined> => {
    const member = `${model}:${id}`;
    const [value, consumed] = await call(() => redis.mget(key.oidc(member), key.oidcConsumed(member)));
    return readOidc(value ?? null, consumed ?? null);
  };
  /** The record a uid or user code key names, if it still carries that value. */
  const findOidcBy = async (model: string, indexKey: string, field: string, value: string): Promise<OidcPayload | undefined> => {
    const id = await call(() => redis.get(indexKey));
    if (id === null) return undefined;
    const payload = await findOidc(model, id);
    return payload?.[field] === value ? payload : undefined;
  };

  /** Deletes index entries whose expiry has passed, BATCH at a time. */
  const sweepIndex = async (index: string, entryKey: (id: string) => string, now: number): Promise<void> => {
    for (let round = 0; round < 10_000; round += 1) {
      const ids = await call(() => redis.zrangebyscore(index, '-inf', now, 'LIMIT', 0, BATCH));
      if (ids.length === 0) return;
      // Deletes only (allowed even under OOM): no proof that writes are served again.
      await write(() => scripts.sweep(1 + ids.length, index, ...ids.map(entryKey), now, ...ids), () => false);
      if (ids.length < BATCH) return;
    }
  };

  return {
    challenges: {
      async put(challenge, ttlMs) {
        const expiresAt = clock.now() + ttlMs;
        const value = JSON.stringify({ x: expiresAt, c: challenge });
        await write(() =>
          execAll(redis.multi().set(key.challenge(challenge.sid), value, 'PX', px(ttlMs)).zadd(key.challengeIndex, expiresAt, challenge.sid)),
        );
      },
      async take(sid, binding) {
        // Deletes only: no proof that writes are served again.
        const value = await write(() => scripts.takeChallenge(key.challenge(sid), key.challengeIndex, sid, binding), () => false);
        // An expired challenge is deleted all the same, and reads as absent.
        return typeof value === 'string' ? parseChallenge(sid, value, clock.now()) : undefined;
      },
      async count() {
        return call(() => redis.zcount(key.challengeIndex, `(${clock.now()}`, '+inf'));
      },
    },
    sessions: {
      async get(id) {
        let fields: Array<string | null>;
        try {
          fields = await call(() => redis.hmget(key.session(id), 'x', 'd'));
        } catch (error) {
          // Something that is not a session under a session key reads as absent.
          if (isReplyError(error) && error.message.startsWith('WRONGTYPE')) return undefined;
          throw error;
        }
        const [expiresAt, data] = fields;
        if (expiresAt == null || data == null || !(Number(expiresAt) > clock.now())) return undefined;
        return parseSession(data);
      },
      async set(id, data, ttlMs, audit, replaces) {
        // Redis keeps no audit log: a sign-in's entry is composeStores' to record, with the durable half.
        if (audit !== undefined) throw new Error('the Redis session store cannot record audit entries; compose it with a durable half (composeStores)');
        // Sent together: one round trip's wait for both.
        await Promise.all([writeSession(id, data, ttlMs, false), ...(replaces === undefined ? [] : [destroySession(replaces)])]);
      },
      async update(id, data, ttlMs) {
        return writeSession(id, data, ttlMs, true);
      },
      async destroy(id) {
        await destroySession(id);
      },
      async destroyAllFor(address) {
        const now = clock.now();
        const index = key.address(address);
        return write(async () => {
          let live = 0;
          // Every round drops the ids it read from the index, so the loop ends.
          for (let round = 0; round < 10_000; round += 1) {
            const ids = await redis.zrange(index, '0', String(BATCH - 1));
            if (ids.length === 0) break;
            const keys = [index, key.sessionIndex, ...ids.map(key.session)];
            live += Number(await scripts.destroySessionsOf(keys.length, ...keys, address, now, ...ids));
          }
          return live;
        }, () => false);
      },
      async listFor(address) {
        const index = key.address(address);
        const found = await call(async () => {
          const ids = await redis.zrange(index, '0', '-1');
          const rows: unknown[] = [];
          for (let start = 0; start < ids.length; start += BATCH) {
            const batch = ids.slice(start, start + BATCH);
            const keys = [index, ...batch.map(key.session)];
            rows.push(...((await scripts.sessionsOf(keys.length, ...keys, address, ...batch)) as unknown[]));
          }
          return rows;
        });
        const now = clock.now();
        const sessions: SessionSummary[] = [];
        for (let i = 0; i + 2 < found.length; i += 3) {
          const [id, expiresAt, text] = [found[i], Number(found[i + 1]), found[i + 2]];
          if (typeof id !== 'string' || typeof text !== 'string' || !(expiresAt > now)) continue;
          const data = parseSession(text);
          if (data !== undefined) sessions.push({ id, data, expiresAt });
        }
        return sessions;
      },
      async count() {
        return call(() => redis.zcount(key.sessionIndex, `(${clock.now()}`, '+inf'));
      },
    },
    oidc: {
      async upsert(model, id, payload, ttlMs) {
        const member = `${model}:${id}`;
        const expiresAt = clock.now() + ttlMs;
        const { consumed, ...rest } = payload;
        const text = (value: unknown): string => (typeof value === 'string' ? value : '');
        const [grantId, uid, userCode, accountId] = [text(payload.grantId), text(payload.uid), text(payload.userCode), text(payload.accountId)];
        const keys = [
          key.oidc(member), key.oidcConsumed(member), key.oidcIndex, key.oidcGrant(model, grantId),
          key.oidcUid(model, uid), key.oidcUserCode(model, userCode), key.oidcAccount(model, accountId),
        ];
        const args = [
          member, expiresAt, px(ttlMs), JSON.stringify({ x: expiresAt, p: rest }), typeof consumed === 'number' ? String(consumed) : '', id,
          ...[grantId, uid, userCode, accountId].map((value) => (value === '' ? '0' : '1')),
        ];
        await write(() => scripts.upsertOidc(...keys, ...args));
      },
      find: findOidc,
      findByUid: (model, uid) => findOidcBy(model, key.oidcUid(model, uid), 'uid', uid),
      findByUserCode: (model, userCode) => findOidcBy(model, key.oidcUserCode(model, userCode), 'userCode', userCode),
      async consume(model, id, consumedAt) {
        const member = `${model}:${id}`;
        const result = await write(() => scripts.consumeOidc(key.oidc(member), key.oidcConsumed(member), consumedAt, clock.now()), (won) => won === 1);
        return result === 1;
      },
      async destroy(model, id) {
        const member = `${model}:${id}`;
        await write(() => execAll(redis.multi().del(key.oidc(member), key.oidcConsumed(member)).zrem(key.oidcIndex, member)), () => false);
      },
      async revokeByGrantId(model, grantId) {
        const index = key.oidcGrant(model, grantId);
        await write(async () => {
          // A record written to the grant meanwhile is picked up by the next round.
          for (let round = 0; round < 10_000; round += 1) {
            const members = await redis.srandmember(index, BATCH);
            if (members.length === 0) return;
            const records = members.flatMap((member) => [key.oidc(member), key.oidcConsumed(member)]);
            await execAll(redis.multi().del(...records).zrem(key.oidcIndex, ...members).srem(index, ...members));
          }
        }, () => false);
      },
      async listByAccount(model, accountId) {
        const ids = await call(() => redis.zrangebyscore(key.oidcAccount(model, accountId), `(${clock.now()}`, '+inf'));
        const found: Array<{ id: string; payload: OidcPayload }> = [];
        for (let start = 0; start < ids.length; start += BATCH) {
          const batch = ids.slice(start, start + BATCH);
          const members = batch.map((id) => `${model}:${id}`);
          const values = await call(() => redis.mget(...members.flatMap((member) => [key.oidc(member), key.oidcConsumed(member)])));
          batch.forEach((id, i) => {
            const payload = readOidc(values[2 * i] ?? null, values[2 * i + 1] ?? null);
            if (payload !== undefined && payload.accountId === accountId) found.push({ id, payload });
          });
        }
        return found;
      },
    },
    createRateLimiter(limiterOptions: RateLimiterOptions): RateLimiterAbstract {
      const limiter = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}rl:${limiterOptions.keyPrefix}`,
        points: limiterOptions.points,
        duration: limiterOptions.duration,
        rejectIfRedisNotReady: true,
      });
      return guardRateLimiter(limiter, { classify, writes });
    },
    async check() {
      const started = performance.now();
      try {
        await call(() => redis.ping());
        // SET is refused under OOM and MISCONF, as every write of the stores is.
        await writes.recheck(() => call(() => redis.set(key.probe, '1', 'PX', 1000)));
        return [{ name: 'redis', ok: true, latencyMs: performance.now() - started }];
      } catch (error) {
        return [{ name: 'redis', ok: false, latencyMs: performance.now() - started, error: describeFailure(error) }];
      }
    },
    async sweep() {
      const now = clock.now();
      await sweepIndex(key.challengeIndex, key.challenge, now);
      await sweepIndex(key.sessionIndex, key.session, now);
      await sweepIndex(key.oidcIndex, key.oidc, now);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await withDeadline(() => redis.quit(), { service: 'redis', timeoutMs, classify });
      } catch {
        // Not connected: nothing to say goodbye to.
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Runs a MULTI; a command that failed inside it fails the call. */
async function execAll(multi: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const results = await multi.exec();
  if (results === null) throw new Error('transaction aborted');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

function parseChallenge(sid: string, text: string, now: number): StoredChallenge | undefined {
  // Stored as { x: expiry on the injected clock, c: the challenge }.
  const stored = parseObject(text);
  if (stored === undefined || typeof stored.x !== 'number' || !(stored.x > now)) return undefined;
  return toStoredChallenge(sid, typeof stored.c === 'object' && stored.c !== null ? (stored.c as Record<string, unknown>) : undefined);
}
