// The one conformance suite every store implementation passes (SQLite; Redis and PostgreSQL each
// beside a SQLite file for the other half), in the manner of Lucia's adapter-test: an
// implementation's test file calls
// `testStores(name, make)` and gets the same Jest tests as every other. Time comes from a pinned
// test clock that tests move by hand; nothing sleeps. Cross-instance tests open a second,
// independent instance onto the same data, the way a second API process would.

import { createTestClock, type MutableClock } from '@wallet-login/testkit';
import { StoreUnavailableError } from '../../src/stores/errors';
import type { AuditEntry, OidcClient, SessionData, SigningKey, StoredChallenge, Stores } from '../../src/stores/types';

/** Fresh stores for one test, from the implementation under test. */
export interface StoreHarness {
  /** An instance on empty backing data, reading time from the clock it was made with. */
  stores: Stores;
  /**
   * Opens another, independent instance onto the same backing data, as another process would
   * (SQLite: another connection to the file; Redis, PostgreSQL: another client). Every store
   * must offer this: `take` is atomic across processes, and the suite proves it here.
   */
  openAnother: () => Promise<Stores>;
  /** Closes every instance opened for the test and deletes the backing data. */
  cleanup: () => Promise<void>;
}

/**
 * A harness over `open`: every instance it opens (the first, and each `openAnother`) is closed at
 * cleanup, before `removeData` deletes the backing data.
 */
export async function createHarness(
  open: () => Stores | Promise<Stores>,
  removeData: () => unknown = () => undefined,
): Promise<StoreHarness> {
  const opened: Stores[] = [];
  const openTracked = async (): Promise<Stores> => {
    const stores = await open();
    opened.push(stores);
    return stores;
  };
  return {
    stores: await openTracked(),
    openAnother: openTracked,
    cleanup: async () => {
      for (const stores of opened) await stores.close();
      await removeData();
    },
  };
}

/** Makes a harness on the given clock; called once per test. */
export type MakeStores = (context: { clock: MutableClock }) => Promise<StoreHarness>;

export interface StoreSuiteOptions {
  /**
   * Whether data outlives closing every instance (a file, a server), so that an instance opened
   * after `close` still sees it.
   * @default true
   */
  persistent?: boolean;
  /** How the implementation records a sign-in's audit entry with its session (SessionStore.set). */
  signIn: SignInAudit;
}

/** A fault made for a test, lifted by `restore`. */
export interface Fault {
  restore(): void;
}

/**
 * How a session set with an audit entry is written (see SessionStore.set), with the faults that
 * show it: each makes one of the two writes fail, as a full disk would, until restored.
 */
export type SignInAudit =
  /** One transaction: both or neither. */
  | { mode: 'transaction'; failAudit: () => Fault; failSession: () => Fault }
  /** The entry first, the session once it is written. */
  | { mode: 'audit-first'; failAudit: () => Fault }
  /** The session, then the entry through the audit queue (its own tests: stores/auditQueue.test.ts). */
  | { mode: 'queued' };

/** 2025-01-01T00:00:00Z: every test starts here. */
const START = 1_735_689_600_000;
const TTL = 60_000;
const ALICE = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';
const BOB = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';

/** The binding createChallenge gives the challenge `sid`. */
const bindingOf = (sid: string): string => `binding-${sid}-kJ8w2Qx`;

/** A fully populated challenge; the message has unicode, CRLF and blank lines. */
function createChallenge(sid: string, overrides: Partial<StoredChallenge> = {}): StoredChallenge {
  return {
    sid,
    timestamp: START,
    expiresAt: START + TTL,
    format: 'siwe',
    message:
      `example.com wants you to sign in with your Ethereum account:\n${ALICE}\n\n` +
      `Anmelden – ünïcødé ✓ 日本語 🦊\r\n\nURI: https://example.com\nNonce: ${sid}\n` +
      `Issued At: 2025-01-01T00:00:00.000Z`,
    binding: bindingOf(sid),
    domain: 'example.com:8443',
    uri: 'https://example.com:8443',
    ...overrides,
  };
}

/** Declares beforeEach/afterEach that give each test fresh stores on a fresh clock. */
function useHarness(make: MakeStores) {
  let current: { harness: StoreHarness; clock: MutableClock } | undefined;
  beforeEach(async () => {
    const clock = createTestClock(START);
    current = { harness: await make({ clock }), clock };
  });
  afterEach(async () => {
    await current?.harness.cleanup();
    current = undefined;
  });
  const get = () => {
    if (current === undefined) throw new Error('no stores outside a test');
    return current;
  };
  return {
    get stores() {
      return get().harness.stores;
    },
    get clock() {
      return get().clock;
    },
    openAnother: () => get().harness.openAnother(),
  };
}

/** Declares the ChallengeStore tests, plus sweep of challenges. */
export function testChallengeStore(make: MakeStores): void {
  describe('ChallengeStore', () => {
    const t = useHarness(make);
    /** Takes `sid` with the binding createChallenge gave it. */
    const take = (sid: string, stores: Stores = t.stores) => stores.challenges.take(sid, bindingOf(sid));

    test('take returns the put challenge with every field intact, its site included', async () => {
      const siwe = createChallenge('siwe1');
      const json = createChallenge('json1', {
        format: 'json',
        message: '{\n  "sid": "json1",\n  "note": "\\"quoted\\" \u2028 é"\n}',
        timestamp: START - 1234,
        expiresAt: START + 5 * TTL + 1,
        domain: 'sso.example.org',
        uri: 'https://sso.example.org',
      });
      await t.stores.challenges.put(siwe, TTL);
      await t.stores.challenges.put(json, TTL);
      expect(await take('json1')).toStrictEqual(json);
      expect(await take('siwe1')).toStrictEqual(siwe);
    });

    test('a challenge put without a site reads back without one', async () => {
      // As an older version stored them: domain and uri were not kept.
      const siteless = createChallenge('old1');
      delete siteless.domain;
      delete siteless.uri;
      await t.stores.challenges.put(siteless, TTL);
      expect(await take('old1')).toStrictEqual(siteless);
    });

    test('take is single use', async () => {
      await t.stores.challenges.put(createChallenge('once1'), TTL);
      expect(await take('once1')).toBeDefined();
      expect(await take('once1')).toBeUndefined();
      expect(await t.stores.challenges.count()).toBe(0);
    });

    test('take of an unknown sid returns undefined and touches nothing', async () => {
      await t.stores.challenges.put(createChallenge('known1'), TTL);
      expect(await t.stores.challenges.take('unknown1', bindingOf('known1'))).toBeUndefined();
      expect(await t.stores.challenges.take('known', bindingOf('known1'))).toBeUndefined();
      expect(await t.stores.challenges.take('', bindingOf('known1'))).toBeUndefined();
      expect(await t.stores.challenges.count()).toBe(1);
    });

    test('take with another binding returns undefined and leaves the challenge to its own', async () => {
      const challenge = createChallenge('mine1');
      await t.stores.challenges.put(challenge, TTL);
      for (const binding of ['binding-other-kJ8w2Qx', bindingOf('mine1').toUpperCase(), `${bindingOf('mine1')} `, bindingOf('mine1').slice(0, -1), '']) {
        expect(await t.stores.challenges.take('mine1', binding)).toBeUndefined();
      }
      expect(await t.stores.challenges.count()).toBe(1);
      expect(await take('mine1')).toStrictEqual(challenge);
      expect(await take('mine1')).toBeUndefined();
    });

    test('take with another binding from another instance leaves the challenge too', async () => {
      const other = await t.openAnother();
      const challenge = createChallenge('mine2');
      await t.stores.challenges.put(challenge, TTL);
      expect(await other.challenges.take('mine2', 'binding-attacker')).toBeUndefined();
      expect(await take('mine2', other)).toStrictEqual(challenge);
    });

    test('a challenge is live until exactly its ttl has passed', async () => {
      await t.stores.challenges.put(createChallenge('early1'), TTL);
      await t.stores.challenges.put(createChallenge('late1'), TTL);
      t.clock.advance(TTL - 1);
      expect(await take('early1')).toStrictEqual(createChallenge('early1'));
      t.clock.advance(1);
      expect(await take('late1')).toBeUndefined();
    });

    test('the ttl passed to put governs expiry, not the challenge expiresAt', async () => {
      // The route keeps a challenge past its expiresAt, so a late login hears "expired".
      const challenge = createChallenge('ttl1', { expiresAt: START - 1 });
      await t.stores.challenges.put(challenge, 2 * TTL);
      t.clock.advance(TTL);
      expect(await t.stores.challenges.take('ttl1', 'binding-attacker')).toBeUndefined();
      expect(await take('ttl1')).toStrictEqual(challenge);
    });

    test('an expired challenge stays gone when time is set back', async () => {
      // Take deletes what it finds even when expired: it is single use either way.
      await t.stores.challenges.put(createChallenge('gone1'), TTL);
      t.clock.advance(TTL);
      expect(await take('gone1')).toBeUndefined();
      t.clock.set(START);
      expect(await take('gone1')).toBeUndefined();
    });

    test('an expired challenge taken with another binding is still there for its own', async () => {
      await t.stores.challenges.put(createChallenge('gone2'), TTL);
      t.clock.advance(TTL);
      expect(await t.stores.challenges.take('gone2', 'binding-attacker')).toBeUndefined();
      // Set back, it was not deleted by the stranger's take.
      t.clock.set(START);
      expect(await take('gone2')).toStrictEqual(createChallenge('gone2'));
    });

    test('count counts only live challenges', async () => {
      expect(await t.stores.challenges.count()).toBe(0);
      await t.stores.challenges.put(createChallenge('short1'), TTL);
      await t.stores.challenges.put(createChallenge('short2'), TTL);
      await t.stores.challenges.put(createChallenge('long1'), 2 * TTL);
      expect(await t.stores.challenges.count()).toBe(3);
      t.clock.advance(TTL);
      expect(await t.stores.challenges.count()).toBe(1);
      await take('long1');
      expect(await t.stores.challenges.count()).toBe(0);
    });

    test('a challenge put on one instance is taken on another, once', async () => {
      const other = await t.openAnother();
      const challenge = createChallenge('shared1');
      await t.stores.challenges.put(challenge, TTL);
      expect(await other.challenges.count()).toBe(1);
      expect(await take('shared1', other)).toStrictEqual(challenge);
      expect(await take('shared1')).toBeUndefined();
    });

    test('of 50 concurrent takes over two instances, exactly one wins', async () => {
      const other = await t.openAnother();
      const challenge = createChallenge('race1');
      await t.stores.challenges.put(challenge, TTL);
      const takes = Array.from({ length: 50 }, (_, i) => take('race1', i % 2 === 0 ? t.stores : other));
      const results = await Promise.all(takes);
      expect(results.filter((result) => result !== undefined)).toStrictEqual([challenge]);
    });

    test('of concurrent takes with the right and other bindings, only one with the right one wins', async () => {
      const other = await t.openAnother();
      const challenge = createChallenge('race2');
      await t.stores.challenges.put(challenge, TTL);
      // Strangers' takes interleaved with the owner's: none of theirs wins, nor keeps the owner's from winning.
      const takes = Array.from({ length: 60 }, (_, i) => {
        const stores = i % 2 === 0 ? t.stores : other;
        return i % 3 === 0 ? take('race2', stores) : stores.challenges.take('race2', `binding-stranger-${i}`);
      });
      const results = await Promise.all(takes);
      expect(results.filter((result) => result !== undefined)).toStrictEqual([challenge]);
      expect(results.findIndex((result) => result !== undefined) % 3).toBe(0);
      expect(await t.stores.challenges.count()).toBe(0);
    });

    test('sweep deletes expired challenges and keeps live ones', async () => {
      await t.stores.challenges.put(createChallenge('expired1'), TTL);
      await t.stores.challenges.put(createChallenge('live1'), 2 * TTL);
      t.clock.advance(TTL);
      await t.stores.sweep();
      expect(await t.stores.challenges.count()).toBe(1);
      // Set back, an expired row that sweep left behind would read as live again.
      t.clock.set(START);
      expect(await t.stores.challenges.count()).toBe(1);
      expect(await take('expired1')).toBeUndefined();
      expect(await take('live1')).toStrictEqual(createChallenge('live1'));
    });
  });
}

/** Declares the SessionStore tests, plus sweep of sessions. */
export function testSessionStore(make: MakeStores): void {
  describe('SessionStore', () => {
    const t = useHarness(make);
    const signedIn: SessionData = { address: ALICE, binding: 'b1', nested: { n: 1, s: 'ü\n✓' } };

    test('get of an unknown id returns undefined', async () => {
      expect(await t.stores.sessions.get('nobody')).toBeUndefined();
    });

    test('set then get returns the data', async () => {
      const anonymous: SessionData = { binding: 'b2', list: [1, 'two', null], flag: false };
      await t.stores.sessions.set('s1', signedIn, TTL);
      await t.stores.sessions.set('s2', anonymous, TTL);
      expect(await t.stores.sessions.get('s1')).toStrictEqual(signedIn);
      expect(await t.stores.sessions.get('s2')).toStrictEqual(anonymous);
    });

    test('a session is live until exactly its ttl has passed', async () => {
      await t.stores.sessions.set('s1', signedIn, TTL);
      t.clock.advance(TTL - 1);
      expect(await t.stores.sessions.get('s1')).toStrictEqual(signedIn);
      t.clock.advance(1);
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
    });

    test('set replaces the data, the ttl and the address binding', async () => {
      await t.stores.sessions.set('s1', signedIn, TTL);
      t.clock.advance(TTL - 1);
      await t.stores.sessions.set('s1', { address: BOB }, TTL);
      t.clock.advance(TTL - 1);
      expect(await t.stores.sessions.get('s1')).toStrictEqual({ address: BOB });
      expect(await t.stores.sessions.destroyAllFor(ALICE)).toBe(0);
      expect(await t.stores.sessions.get('s1')).toStrictEqual({ address: BOB });
      expect(await t.stores.sessions.destroyAllFor(BOB)).toBe(1);
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
    });

    test('set revives an expired id as a new session', async () => {
      await t.stores.sessions.set('s1', signedIn, TTL);
      t.clock.advance(TTL);
      await t.stores.sessions.set('s1', { binding: 'fresh' }, TTL);
      expect(await t.stores.sessions.get('s1')).toStrictEqual({ binding: 'fresh' });
    });

    test('update replaces a live session and renews its ttl', async () => {
      await t.stores.sessions.set('s1', { binding: 'b1' }, TTL);
      t.clock.advance(TTL - 1);
      expect(await t.stores.sessions.update('s1', signedIn, TTL)).toBe(true);
      t.clock.advance(TTL - 1);
      expect(await t.stores.sessions.get('s1')).toStrictEqual(signedIn);
      t.clock.advance(1);
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
    });

    test('update binds and unbinds the address', async () => {
      await t.stores.sessions.set('s1', { binding: 'b1' }, TTL);
      await t.stores.sessions.update('s1', signedIn, TTL);
      await t.stores.sessions.set('s2', signedIn, TTL);
      await t.stores.sessions.update('s2', { binding: 'b2' }, TTL);
      expect(await t.stores.sessions.destroyAllFor(ALICE)).toBe(1);
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
      expect(await t.stores.sessions.get('s2')).toStrictEqual({ binding: 'b2' });
    });

    test('update after destroy returns false and does not bring the session back', async () => {
      await t.stores.sessions.set('s1', signedIn, TTL);
      await t.stores.sessions.destroy('s1');
      expect(await t.stores.sessions.update('s1', signedIn, TTL)).toBe(false);
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
      expect(await t.stores.sessions.count()).toBe(0);
    });

    test('update after expiry returns false and does not bring the session back', async () => {
      await t.stores.sessions.set('s1', signedIn, TTL);
      t.clock.advance(TTL);
      expect(await t.stores.sessions.update('s1', signedIn, TTL)).toBe(false);
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
      expect(await t.stores.sessions.count()).toBe(0);
    });

    test('update of an unknown id returns false and creates nothing', async () => {
      expect(await t.stores.sessions.update('nobody', signedIn, TTL)).toBe(false);
      expect(await t.stores.sessions.get('nobody')).toBeUndefined();
      expect(await t.stores.sessions.destroyAllFor(ALICE)).toBe(0);
    });

    test('destroy deletes only that session and accepts unknown ids', async () => {
      await t.stores.sessions.set('s1', signedIn, TTL);
      await t.stores.sessions.set('s2', signedIn, TTL);
      await t.stores.sessions.destroy('s1');
      await t.stores.sessions.destroy('nobody');
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
      expect(await t.stores.sessions.get('s2')).toStrictEqual(signedIn);
    });

    test('destroyAllFor deletes every live session of the address and only those', async () => {
      await t.stores.sessions.set('a1', signedIn, TTL);
      await t.stores.sessions.set('a2', { address: ALICE }, TTL);
      await t.stores.sessions.set('old', { address: ALICE }, TTL / 2);
      await t.stores.sessions.set('b1', { address: BOB }, TTL);
      await t.stores.sessions.set('anon', { binding: 'b' }, TTL);
      t.clock.advance(TTL / 2);
      expect(await t.stores.sessions.destroyAllFor(ALICE)).toBe(2);
      expect(await t.stores.sessions.get('a1')).toBeUndefined();
      expect(await t.stores.sessions.get('a2')).toBeUndefined();
      expect(await t.stores.sessions.get('b1')).toStrictEqual({ address: BOB });
      expect(await t.stores.sessions.get('anon')).toStrictEqual({ binding: 'b' });
      expect(await t.stores.sessions.destroyAllFor(ALICE)).toBe(0);
    });

    test('count counts only live sessions', async () => {
      expect(await t.stores.sessions.count()).toBe(0);
      await t.stores.sessions.set('s1', signedIn, TTL);
      await t.stores.sessions.set('s2', {}, 2 * TTL);
      expect(await t.stores.sessions.count()).toBe(2);
      t.clock.advance(TTL);
      expect(await t.stores.sessions.count()).toBe(1);
      await t.stores.sessions.destroy('s2');
      expect(await t.stores.sessions.count()).toBe(0);
    });

    test('a session set on one instance is seen and destroyed on another', async () => {
      const other = await t.openAnother();
      await t.stores.sessions.set('s1', signedIn, TTL);
      await t.stores.sessions.set('s2', signedIn, TTL);
      expect(await other.sessions.get('s1')).toStrictEqual(signedIn);
      await other.sessions.destroy('s1');
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
      expect(await t.stores.sessions.update('s1', signedIn, TTL)).toBe(false);
      expect(await other.sessions.destroyAllFor(ALICE)).toBe(1);
      expect(await t.stores.sessions.get('s2')).toBeUndefined();
    });

    test('listFor returns the live sessions of the address only, with their expiry', async () => {
      await t.stores.sessions.set('a1', signedIn, TTL);
      await t.stores.sessions.set('a2', { address: ALICE, userAgent: 'UA ✓' }, 2 * TTL);
      await t.stores.sessions.set('old', { address: ALICE }, TTL / 2);
      await t.stores.sessions.set('b1', { address: BOB }, TTL);
      await t.stores.sessions.set('anon', { binding: 'b' }, TTL);
      t.clock.advance(TTL / 2);
      const listed = await t.stores.sessions.listFor(ALICE);
      expect([...listed].sort((x, y) => x.id.localeCompare(y.id))).toStrictEqual([
        { id: 'a1', data: signedIn, expiresAt: START + TTL },
        { id: 'a2', data: { address: ALICE, userAgent: 'UA ✓' }, expiresAt: START + 2 * TTL },
      ]);
      expect(await t.stores.sessions.listFor(ALICE.toLowerCase())).toStrictEqual([]);
      await t.stores.sessions.destroy('a1');
      await t.stores.sessions.update('a2', { binding: 'gone' }, TTL);
      expect(await t.stores.sessions.listFor(ALICE)).toStrictEqual([]);
      expect(await (await t.openAnother()).sessions.listFor(BOB)).toStrictEqual([
        { id: 'b1', data: { address: BOB }, expiresAt: START + TTL },
      ]);
    });

    test('sweep deletes expired sessions and keeps live ones', async () => {
      await t.stores.sessions.set('expired', signedIn, TTL);
      await t.stores.sessions.set('live', signedIn, 2 * TTL);
      t.clock.advance(TTL);
      await t.stores.sweep();
      expect(await t.stores.sessions.count()).toBe(1);
      // Set back, an expired row that sweep left behind would read as live again.
      t.clock.set(START);
      expect(await t.stores.sessions.count()).toBe(1);
      expect(await t.stores.sessions.get('expired')).toBeUndefined();
      expect(await t.stores.sessions.get('live')).toStrictEqual(signedIn);
    });
  });
}

/** Declares the UserStore tests. */
export function testUserStore(make: MakeStores): void {
  describe('UserStore', () => {
    const t = useHarness(make);

    test('list is empty at first', async () => {
      expect(await t.stores.users.list()).toStrictEqual([]);
      expect(await t.stores.users.has(ALICE)).toBe(false);
    });

    test('add returns true, then false, and keeps the first createdAt', async () => {
      expect(await t.stores.users.add(ALICE, START)).toBe(true);
      expect(await t.stores.users.add(ALICE, START + 1)).toBe(false);
      expect(await t.stores.users.has(ALICE)).toBe(true);
      expect(await t.stores.users.list()).toStrictEqual([{ address: ALICE, createdAt: START }]);
    });

    test('addresses are matched exactly, as given', async () => {
      await t.stores.users.add(ALICE, START);
      expect(await t.stores.users.has(ALICE.toLowerCase())).toBe(false);
      expect(await t.stores.users.remove(ALICE.toLowerCase())).toBe(false);
      expect(await t.stores.users.has(ALICE)).toBe(true);
    });

    test('remove returns whether the address was registered', async () => {
      await t.stores.users.add(ALICE, START);
      await t.stores.users.add(BOB, START);
      expect(await t.stores.users.remove(ALICE)).toBe(true);
      expect(await t.stores.users.remove(ALICE)).toBe(false);
      expect(await t.stores.users.has(ALICE)).toBe(false);
      expect(await t.stores.users.list()).toStrictEqual([{ address: BOB, createdAt: START }]);
      expect(await t.stores.users.add(ALICE, START + 9)).toBe(true);
    });

    test('list orders by createdAt, then address', async () => {
      const carol = '0x0000000000000000000000000000000000000001';
      await t.stores.users.add(BOB, START + 2);
      await t.stores.users.add(ALICE, START + 1);
      await t.stores.users.add(carol, START + 2);
      expect(await t.stores.users.list()).toStrictEqual([
        { address: ALICE, createdAt: START + 1 },
        { address: carol, createdAt: START + 2 },
        { address: BOB, createdAt: START + 2 },
      ]);
    });

    test('a user added on one instance is seen and removed on another', async () => {
      const other = await t.openAnother();
      await t.stores.users.add(ALICE, START);
      expect(await other.users.has(ALICE)).toBe(true);
      expect(await other.users.add(ALICE, START + 1)).toBe(false);
      expect(await other.users.remove(ALICE)).toBe(true);
      expect(await t.stores.users.has(ALICE)).toBe(false);
    });
  });
}

/** Declares the AuditStore tests. */
export function testAuditStore(make: MakeStores): void {
  describe('AuditStore', () => {
    const t = useHarness(make);
    const entry = (at: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
      at, action: 'login', outcome: 'ok', address: ALICE, ip: '203.0.113.7', userAgent: 'Mozilla/5.0 ✓', instance: 'api-1', ...overrides,
    });

    test('query returns appended entries newest first, every field intact', async () => {
      const first = entry(START);
      const second = entry(START + 1, { action: 'register', outcome: 'signature_invalid', ip: '::1', instance: 'api-2' });
      const bare = entry(START + 2, { action: 'logout_all', address: undefined, userAgent: undefined });
      delete bare.address;
      delete bare.userAgent;
      await t.stores.audit.append(first);
      await t.stores.audit.append(second);
      await t.stores.audit.append(bare);
      expect(await t.stores.audit.query({})).toStrictEqual([bare, second, first]);
    });

    test('a sign-in keeps how its address proved itself', async () => {
      const methods = ['eoa', 'erc1271', 'erc6492'];
      for (const [i, method] of methods.entries()) await t.stores.audit.append(entry(START + i, { method }));
      expect((await t.stores.audit.query({})).map((e) => e.method)).toStrictEqual([...methods].reverse());
      expect(await t.stores.audit.query({ limit: 1 })).toStrictEqual([entry(START + 2, { method: 'erc6492' })]);
    });

    test('query filters by address, time range and outcome, and limits', async () => {
      for (let i = 0; i < 5; i += 1) await t.stores.audit.append(entry(START + i * 1000));
      await t.stores.audit.append(entry(START + 2500, { address: BOB, outcome: 'address_not_registered' }));
      const alice = await t.stores.audit.query({ address: ALICE, since: START + 1000, until: START + 4000 });
      expect(alice.map((e) => e.at)).toStrictEqual([START + 3000, START + 2000, START + 1000]);
      expect(await t.stores.audit.query({ outcome: 'address_not_registered' })).toStrictEqual([
        entry(START + 2500, { address: BOB, outcome: 'address_not_registered' }),
      ]);
      expect((await t.stores.audit.query({ limit: 2 })).map((e) => e.at)).toStrictEqual([START + 4000, START + 3000]);
      expect(await t.stores.audit.query({ address: ALICE.toLowerCase() })).toStrictEqual([]);
    });

    test('entries appended on one instance are seen on another', async () => {
      const other = await t.openAnother();
      await t.stores.audit.append(entry(START));
      expect(await other.audit.query({ address: ALICE })).toStrictEqual([entry(START)]);
    });
  });
}

/** Declares the OidcStore tests (oidc-provider's adapter storage), plus sweep of its records. */
export function testOidcStore(make: MakeStores): void {
  describe('OidcStore', () => {
    const t = useHarness(make);
    const code = (grantId = 'g1') => ({ accountId: 'eip155:1:' + ALICE, grantId, kind: 'AuthorizationCode', scope: 'openid', amr: [], claims: { nested: [1, 'two', null] } });

    test('upsert then find returns the payload intact; another model or id finds nothing', async () => {
      await t.stores.oidc.upsert('AuthorizationCode', 'c1', code(), TTL);
      expect(await t.stores.oidc.find('AuthorizationCode', 'c1')).toStrictEqual(code());
      expect(await t.stores.oidc.find('AccessToken', 'c1')).toBeUndefined();
      expect(await t.stores.oidc.find('AuthorizationCode', 'c2')).toBeUndefined();
    });

    test('a record is live until exactly its ttl has passed, on the injected clock', async () => {
      await t.stores.oidc.upsert('Session', 's1', { uid: 'u1', accountId: 'a' }, TTL);
      t.clock.advance(TTL - 1);
      expect(await t.stores.oidc.find('Session', 's1')).toBeDefined();
      expect(await t.stores.oidc.findByUid('Session', 'u1')).toBeDefined();
      t.clock.advance(1);
      expect(await t.stores.oidc.find('Session', 's1')).toBeUndefined();
      expect(await t.stores.oidc.findByUid('Session', 'u1')).toBeUndefined();
      expect(await t.stores.oidc.consume('Session', 's1', 1)).toBe(false);
      expect(await t.stores.oidc.listByAccount('Session', 'a')).toStrictEqual([]);
    });

    test('upsert replaces the payload and the ttl', async () => {
      await t.stores.oidc.upsert('Grant', 'g', { accountId: 'a', scope: 'openid' }, TTL);
      await t.stores.oidc.upsert('Grant', 'g', { accountId: 'a', scope: 'openid profile' }, 3 * TTL);
      t.clock.advance(2 * TTL);
      expect(await t.stores.oidc.find('Grant', 'g')).toStrictEqual({ accountId: 'a', scope: 'openid profile' });
    });

    test('findByUid and findByUserCode find the record by its payload fields, in its model only', async () => {
      await t.stores.oidc.upsert('Session', 's1', { uid: 'uid-1', accountId: 'a' }, TTL);
      await t.stores.oidc.upsert('DeviceCode', 'd1', { userCode: 'ABCD-EFGH' }, TTL);
      expect(await t.stores.oidc.findByUid('Session', 'uid-1')).toStrictEqual({ uid: 'uid-1', accountId: 'a' });
      expect(await t.stores.oidc.findByUid('Interaction', 'uid-1')).toBeUndefined();
      expect(await t.stores.oidc.findByUserCode('DeviceCode', 'ABCD-EFGH')).toStrictEqual({ userCode: 'ABCD-EFGH' });
      expect(await t.stores.oidc.findByUserCode('DeviceCode', 'XXXX')).toBeUndefined();
      // A record whose uid changed is no longer found by the old one.
      await t.stores.oidc.upsert('Session', 's1', { uid: 'uid-2', accountId: 'a' }, TTL);
      expect(await t.stores.oidc.findByUid('Session', 'uid-1')).toBeUndefined();
      expect(await t.stores.oidc.findByUid('Session', 'uid-2')).toBeDefined();
    });

    test('consume marks the record once; find shows the mark; a replace without it clears it', async () => {
      await t.stores.oidc.upsert('AuthorizationCode', 'c1', code(), TTL);
      expect(await t.stores.oidc.consume('AuthorizationCode', 'c1', 1_735_689_601)).toBe(true);
      expect(await t.stores.oidc.consume('AuthorizationCode', 'c1', 1_735_689_602)).toBe(false);
      expect(await t.stores.oidc.find('AuthorizationCode', 'c1')).toStrictEqual({ ...code(), consumed: 1_735_689_601 });
      expect(await t.stores.oidc.consume('AuthorizationCode', 'unknown', 1)).toBe(false);
      await t.stores.oidc.upsert('RefreshToken', 'r1', { ...code(), consumed: 7 }, TTL);
      expect(await t.stores.oidc.consume('RefreshToken', 'r1', 8)).toBe(false);
      expect(await t.stores.oidc.find('RefreshToken', 'r1')).toStrictEqual({ ...code(), consumed: 7 });
    });

    test('of 50 concurrent consumes over two instances, exactly one wins', async () => {
      const other = await t.openAnother();
      await t.stores.oidc.upsert('AuthorizationCode', 'race', code(), TTL);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? other : t.stores).oidc.consume('AuthorizationCode', 'race', 100 + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    test('destroy deletes only that record', async () => {
      await t.stores.oidc.upsert('AccessToken', 'a1', code(), TTL);
      await t.stores.oidc.upsert('AccessToken', 'a2', code(), TTL);
      await t.stores.oidc.destroy('AccessToken', 'a1');
      await t.stores.oidc.destroy('AccessToken', 'never');
      expect(await t.stores.oidc.find('AccessToken', 'a1')).toBeUndefined();
      expect(await t.stores.oidc.find('AccessToken', 'a2')).toBeDefined();
    });

    test('revokeByGrantId deletes the records of the grant in that model, and only those', async () => {
      await t.stores.oidc.upsert('AccessToken', 'a1', code('g1'), TTL);
      await t.stores.oidc.upsert('AccessToken', 'a3', code('g1'), TTL);
      await t.stores.oidc.upsert('RefreshToken', 'r1', code('g1'), TTL);
      await t.stores.oidc.upsert('Interaction', 'i1', code('g1'), TTL);
      await t.stores.oidc.upsert('AccessToken', 'a2', code('g2'), TTL);
      await (await t.openAnother()).oidc.revokeByGrantId('AccessToken', 'g1');
      expect(await t.stores.oidc.find('AccessToken', 'a1')).toBeUndefined();
      expect(await t.stores.oidc.find('AccessToken', 'a3')).toBeUndefined();
      expect(await t.stores.oidc.find('AccessToken', 'a2')).toBeDefined();
      // Another model's records of the grant stay (oidc-provider revokes model by model).
      expect(await t.stores.oidc.find('RefreshToken', 'r1')).toBeDefined();
      expect(await t.stores.oidc.find('Interaction', 'i1')).toBeDefined();
      await t.stores.oidc.revokeByGrantId('RefreshToken', 'g1');
      expect(await t.stores.oidc.find('RefreshToken', 'r1')).toBeUndefined();
      await t.stores.oidc.revokeByGrantId('AccessToken', 'unknown');
    });

    test('listByAccount lists the live records of the account in that model only', async () => {
      await t.stores.oidc.upsert('Session', 's1', { accountId: 'alice', uid: 'u1' }, TTL);
      await t.stores.oidc.upsert('Session', 's2', { accountId: 'alice', uid: 'u2' }, 2 * TTL);
      await t.stores.oidc.upsert('Session', 's3', { accountId: 'bob', uid: 'u3' }, TTL);
      await t.stores.oidc.upsert('Grant', 'g1', { accountId: 'alice' }, TTL);
      // A record moved to another account is listed under the new one only.
      await t.stores.oidc.upsert('Session', 's4', { accountId: 'alice' }, TTL);
      await t.stores.oidc.upsert('Session', 's4', { accountId: 'bob' }, TTL);
      const ids = async (model: string, account: string) => (await t.stores.oidc.listByAccount(model, account)).map(({ id }) => id).sort();
      expect(await ids('Session', 'alice')).toStrictEqual(['s1', 's2']);
      expect(await ids('Session', 'bob')).toStrictEqual(['s3', 's4']);
      expect(await ids('Grant', 'alice')).toStrictEqual(['g1']);
      expect(await t.stores.oidc.listByAccount('Session', 'alice')).toContainEqual({ id: 's1', payload: { accountId: 'alice', uid: 'u1' } });
      await t.stores.oidc.destroy('Session', 's1');
      t.clock.advance(TTL);
      expect(await ids('Session', 'alice')).toStrictEqual(['s2']);
    });

    test('a record written on one instance is found and consumed on another', async () => {
      const other = await t.openAnother();
      await t.stores.oidc.upsert('AuthorizationCode', 'x1', code(), TTL);
      expect(await other.oidc.consume('AuthorizationCode', 'x1', 5)).toBe(true);
      expect(await t.stores.oidc.find('AuthorizationCode', 'x1')).toStrictEqual({ ...code(), consumed: 5 });
    });

    test('sweep deletes expired records and keeps live ones', async () => {
      await t.stores.oidc.upsert('AccessToken', 'old', code(), TTL);
      await t.stores.oidc.upsert('AccessToken', 'new', code(), 3 * TTL);
      t.clock.advance(2 * TTL);
      await t.stores.sweep();
      t.clock.set(START);
      // Set back, the swept record stays gone; the live one is there.
      expect(await t.stores.oidc.find('AccessToken', 'old')).toBeUndefined();
      expect(await t.stores.oidc.find('AccessToken', 'new')).toBeDefined();
    });
  });
}

/** Declares the OidcClientStore and SigningKeyStore tests. */
export function testClientStores(make: MakeStores): void {
  describe('OidcClientStore and SigningKeyStore', () => {
    const t = useHarness(make);
    const client = (clientId: string, createdAt = START, overrides: Partial<OidcClient> = {}): OidcClient => ({
      clientId,
      name: 'Grafana – ünïcødé ✓',
      redirectUris: ['https://grafana.example/login/generic_oauth', 'https://grafana.example/cb?x=1'],
      postLogoutRedirectUris: ['https://grafana.example/'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      secretHash: 'hash-' + clientId,
      idTokenSignedResponseAlg: 'ES256',
      createdAt,
      ...overrides,
    });
    const key = (kid: string, createdAt = START, alg: SigningKey['alg'] = 'ES256'): SigningKey => ({
      kid, alg, createdAt, jwk: { kty: 'EC', crv: 'P-256', x: 'x-' + kid, y: 'y', d: 'd', kid },
    });

    test('clients: add, get with every field intact, add again refused, remove', async () => {
      const publicClient = client('pub', START + 1, { tokenEndpointAuthMethod: 'none', postLogoutRedirectUris: [], idTokenSignedResponseAlg: 'RS256' });
      delete publicClient.secretHash;
      expect(await t.stores.clients.add(client('c1'))).toBe(true);
      expect(await t.stores.clients.add(publicClient)).toBe(true);
      expect(await t.stores.clients.add(client('c1', START + 5, { name: 'other' }))).toBe(false);
      expect(await t.stores.clients.get('c1')).toStrictEqual(client('c1'));
      expect(await t.stores.clients.get('pub')).toStrictEqual(publicClient);
      expect(await t.stores.clients.get('nope')).toBeUndefined();
      expect(await t.stores.clients.remove('c1')).toBe(true);
      expect(await t.stores.clients.remove('c1')).toBe(false);
      expect(await t.stores.clients.get('c1')).toBeUndefined();
    });

    test('clients: list oldest first; a client added on one instance is seen and removed on another', async () => {
      await t.stores.clients.add(client('b', START + 10));
      await t.stores.clients.add(client('a', START + 20));
      const other = await t.openAnother();
      expect((await other.clients.list()).map(({ clientId }) => clientId)).toStrictEqual(['b', 'a']);
      expect(await other.clients.remove('b')).toBe(true);
      expect(await t.stores.clients.get('b')).toBeUndefined();
    });

    test('signing keys: add, list oldest first with every field intact, add again refused, remove', async () => {
      expect(await t.stores.signingKeys.list()).toStrictEqual([]);
      expect(await t.stores.signingKeys.add(key('k2', START + 1, 'RS256'))).toBe(true);
      expect(await t.stores.signingKeys.add(key('k1', START))).toBe(true);
      expect(await t.stores.signingKeys.add(key('k1', START + 9))).toBe(false);
      expect(await (await t.openAnother()).signingKeys.list()).toStrictEqual([key('k1', START), key('k2', START + 1, 'RS256')]);
      expect(await t.stores.signingKeys.remove('k1')).toBe(true);
      expect(await t.stores.signingKeys.remove('k1')).toBe(false);
      expect(await t.stores.signingKeys.list()).toStrictEqual([key('k2', START + 1, 'RS256')]);
    });
  });
}

/** Declares the tests of a sign-in's session written with its audit entry (SessionStore.set with `audit`). */
export function testSignInAudit(make: MakeStores, signIn: SignInAudit): void {
  describe(`a sign-in: the session with its audit entry (${signIn.mode})`, () => {
    const t = useHarness(make);
    const entry: AuditEntry = { at: START, action: 'login', outcome: 'ok', address: ALICE, ip: '203.0.113.7', userAgent: 'Mozilla/5.0 ✓', instance: 'api-1' };
    const signedIn: SessionData = { address: ALICE, createdAt: START };
    /** Runs `write` under `fault`, lifted afterwards whatever happens. */
    const under = async <T>(fault: Fault, write: () => Promise<T>): Promise<unknown> => {
      try {
        return await write().then(() => undefined, (error: unknown) => error);
      } finally {
        fault.restore();
      }
    };
    /** Signs in as 's1' under `fault`: it must fail unavailable, leaving no session and no entry. */
    const expectSignInRefused = async (fault: Fault): Promise<void> => {
      const error = await under(fault, () => t.stores.sessions.set('s1', signedIn, TTL, entry));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(await t.stores.sessions.get('s1')).toBeUndefined();
      expect(await t.stores.sessions.count()).toBe(0);
      expect(await t.stores.audit.query({})).toStrictEqual([]);
    };

    test('set with an entry writes the session and the entry, once; set without one writes no entry', async () => {
      await t.stores.sessions.set('s1', signedIn, TTL, entry);
      await t.stores.sessions.set('s2', { address: BOB }, TTL);
      expect(await t.stores.sessions.get('s1')).toStrictEqual(signedIn);
      // Queued entries are written by the time close resolves.
      if (signIn.mode !== 'queued') expect(await t.stores.audit.query({})).toStrictEqual([entry]);
      await t.stores.close();
      expect(t.stores.auditBacklog()).toBe(0);
      const other = await t.openAnother();
      expect(await other.audit.query({})).toStrictEqual([entry]);
      expect(await other.sessions.get('s1')).toStrictEqual(signedIn);
      expect(await other.sessions.get('s2')).toStrictEqual({ address: BOB });
    });

    test('set with `replaces` deletes the session it replaces (the pre-login one), with or without an entry', async () => {
      await t.stores.sessions.set('pre1', { binding: 'b1' }, TTL);
      await t.stores.sessions.set('pre2', { binding: 'b2' }, TTL);
      await t.stores.sessions.set('kept', { binding: 'b3' }, TTL);
      await t.stores.sessions.set('s1', signedIn, TTL, entry, 'pre1');
      await t.stores.sessions.set('s2', { address: BOB }, TTL, undefined, 'pre2');
      expect(await t.stores.sessions.get('pre1')).toBeUndefined();
      expect(await t.stores.sessions.get('pre2')).toBeUndefined();
      expect(await t.stores.sessions.get('kept')).toStrictEqual({ binding: 'b3' });
      expect(await t.stores.sessions.get('s1')).toStrictEqual(signedIn);
      expect(await t.stores.sessions.get('s2')).toStrictEqual({ address: BOB });
      // A session it names that is already gone is no error.
      await t.stores.sessions.set('s3', { address: BOB }, TTL, undefined, 'never-there');
      expect(await t.stores.sessions.count()).toBe(4);
    });

    if (signIn.mode === 'transaction') {
      test('a failed audit insert fails the sign-in and writes nothing: no session, no entry, a replaced session as it was', async () => {
        await t.stores.sessions.set('s1', { binding: 'pre-login' }, TTL);
        await t.stores.sessions.set('old', { address: ALICE }, TTL);
        await t.stores.sessions.set('pre', { binding: 'pre-login' }, TTL);
        const error = await under(signIn.failAudit(), () => t.stores.sessions.set('s1', signedIn, TTL, entry, 'pre'));
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect(await t.stores.sessions.get('s1')).toStrictEqual({ binding: 'pre-login' });
        // The one it was to replace too: one transaction.
        expect(await t.stores.sessions.get('pre')).toStrictEqual({ binding: 'pre-login' });
        expect((await t.stores.sessions.listFor(ALICE)).map((session) => session.id)).toStrictEqual(['old']);
        expect(await t.stores.audit.query({})).toStrictEqual([]);
        // Nothing half-written surfaces later, nor on another instance.
        expect(await (await t.openAnother()).sessions.count()).toBe(3);
      });

      test('a failed session write fails the sign-in and writes no entry', async () => {
        await expectSignInRefused(signIn.failSession());
      });

      test('after a failed sign-in the next one writes both', async () => {
        await under(signIn.failAudit(), () => t.stores.sessions.set('s1', signedIn, TTL, entry));
        await t.stores.sessions.set('s2', signedIn, TTL, { ...entry, at: START + 1 });
        expect(await t.stores.sessions.get('s2')).toStrictEqual(signedIn);
        expect(await t.stores.audit.query({})).toStrictEqual([{ ...entry, at: START + 1 }]);
      });
    }

    if (signIn.mode === 'audit-first') {
      test('a failed audit append fails the sign-in before the session is written', async () => {
        await expectSignInRefused(signIn.failAudit());
      });
    }
  });
}

/** Declares the rate limiter and readiness check tests. */
export function testServices(make: MakeStores): void {
  describe('rate limiter and check', () => {
    const t = useHarness(make);

    test('a rate limiter allows its points, then refuses with the wait, across instances', async () => {
      const prefix = `t${Math.floor(START / 1000)}${process.pid}${counter++}`;
      const limiter = t.stores.createRateLimiter({ keyPrefix: prefix, points: 3, duration: 60 });
      const other = (await t.openAnother()).createRateLimiter({ keyPrefix: prefix, points: 3, duration: 60 });
      await limiter.consume('203.0.113.7');
      await other.consume('203.0.113.7');
      await limiter.consume('203.0.113.7');
      const refused: unknown = await other.consume('203.0.113.7').catch((error: unknown) => error);
      expect(refused).toMatchObject({ remainingPoints: 0 });
      expect((refused as { msBeforeNext: number }).msBeforeNext).toBeGreaterThan(0);
      expect((refused as { msBeforeNext: number }).msBeforeNext).toBeLessThanOrEqual(60_000);
      // Another key has its own budget.
      await expect(limiter.consume('203.0.113.8')).resolves.toMatchObject({ remainingPoints: 2 });
    });

    test('check reports every backing service as ok', async () => {
      const statuses = await t.stores.check();
      expect(statuses.length).toBeGreaterThan(0);
      for (const status of statuses) expect(status).toMatchObject({ ok: true });
    });
  });
}
let counter = 0;

/**
 * Declares the whole suite for one implementation: every store, plus close and, for persistent
 * stores, reopening.
 */
export function testStores(name: string, make: MakeStores, options: StoreSuiteOptions): void {
  const { persistent = true } = options;
  describe(name, () => {
    testChallengeStore(make);
    testSessionStore(make);
    testUserStore(make);
    testAuditStore(make);
    testOidcStore(make);
    testClientStores(make);
    testSignInAudit(make, options.signIn);
    testServices(make);

    describe('Stores', () => {
      const t = useHarness(make);

      test('close can be called twice', async () => {
        await t.stores.close();
        await expect(t.stores.close()).resolves.toBeUndefined();
      });

      if (persistent) {
        test('data outlives closing the store', async () => {
          const challenge = createChallenge('kept1');
          await t.stores.challenges.put(challenge, TTL);
          await t.stores.sessions.set('s1', { address: ALICE }, TTL);
          await t.stores.users.add(ALICE, START);
          await t.stores.close();
          const reopened = await t.openAnother();
          expect(await reopened.challenges.take('kept1', bindingOf('kept1'))).toStrictEqual(challenge);
          expect(await reopened.sessions.get('s1')).toStrictEqual({ address: ALICE });
          expect(await reopened.sessions.destroyAllFor(ALICE)).toBe(1);
          expect(await reopened.users.list()).toStrictEqual([{ address: ALICE, createdAt: START }]);
        });
      }
    });
  });
}
