// The one conformance suite every store implementation passes (SQLite; Redis and PostgreSQL each
// beside a SQLite file for the other half), in the manner of Lucia's adapter-test: an
// implementation's test file calls
// `testStores(name, make)` and gets the same Jest tests as every other. Time comes from a pinned
// test clock that tests move by hand; nothing sleeps. Cross-instance tests open a second,
// independent instance onto the same data, the way a second API process would.

import { createTestClock, type MutableClock } from '@wallet-login/testkit';
import type { AuditEntry, SessionData, StoredChallenge, Stores } from '../../src/stores/types';

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
}

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
export function testStores(name: string, make: MakeStores, options: StoreSuiteOptions = {}): void {
  const { persistent = true } = options;
  describe(name, () => {
    testChallengeStore(make);
    testSessionStore(make);
    testUserStore(make);
    testAuditStore(make);
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
