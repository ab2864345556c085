// No accepted sign-in without its audit entry, through the app (supertest against createApp):
// on the SQLite default the session and the entry are one transaction, so a failed audit insert
// (a full disk) makes the login 503 with no session left, and a failed session write leaves no
// "ok" entry; with the audit log in another database the entry waits in the bounded queue, and a
// full queue makes sign-ins 503, shown on /metrics.

import { StoreUnavailableError } from '../stores/errors';
import { composeStores } from '../stores/open';
import type { AuditStore, Stores } from '../stores/types';
import { simulateDiskFull, type DiskFull } from '../../test/support/diskFull';
import { until } from '../../test/support/services';
import { signMessage, TEST_KEY } from '@wallet-login/testkit';
import { ADDRESS, Client, closeApps, expectError, register, setup, type Harness } from '../../test/support/app';

let disk: DiskFull | undefined;
const composed: Stores[] = [];
afterEach(async () => {
  disk?.restore();
  disk = undefined;
  for (const stores of composed.splice(0)) await stores.close();
  await closeApps();
});

/** The statements of one kind of write, to fail alone. */
const AUDIT_INSERT = /^\s*INSERT INTO audit\b/;
const SESSION_INSERT = /^\s*INSERT INTO sessions\b/;
const SESSION_DELETE = /^\s*DELETE FROM sessions WHERE id\b/;

/** A client with a challenge for ADDRESS, signed, ready to post. */
async function preparedSignIn(h: Harness): Promise<{ client: Client; body: { sid: string; signature: string; message: string } }> {
  const client = new Client(h.server, 'AuditBrowser/1.0');
  const challenge = await client.post('/api/auth/challenge', { address: ADDRESS });
  expect(challenge.status).toBe(200);
  return { client, body: { sid: challenge.body.sid, signature: signMessage({ message: challenge.body.message, privateKey: TEST_KEY }), message: challenge.body.message } };
}

describe('on SQLite: the session and its audit entry in one transaction', () => {
  test.each(['login', 'register'] as const)('a failed audit insert makes the %s 503 with Retry-After, and leaves no session and no entry', async (mode) => {
    const h = setup({ registration: 'open' });
    if (mode === 'login') await register(h);
    const { client, body } = await preparedSignIn(h);
    disk = simulateDiskFull({ statements: AUDIT_INSERT });
    const res = await client.post(`/api/auth/${mode}`, body);
    disk.restore();
    expectError(res, 503, 'service_unavailable');
    expect(res.headers['retry-after']).toBe('1');
    // The pre-login session is gone with its cookie, and the signed-in one was never kept.
    expect(client.jar.has('wl.sid')).toBe(false);
    expect(await h.stores.sessions.count()).toBe(0);
    expect(await h.stores.sessions.listFor(ADDRESS)).toStrictEqual([]);
    // The failed attempt's own entry failed the same way: the log has nothing, in particular no "ok".
    expect(await h.stores.audit.query({})).toStrictEqual([]);
    expectError(await client.get('/api/auth/me'), 401, 'unauthenticated');

    // The disk has room again: the next sign-in is accepted, with its one entry.
    const again = await client.signIn(undefined, { mode: 'login' });
    expect(again.status).toBe(200);
    expect((await h.stores.audit.query({})).map((entry) => [entry.action, entry.outcome, entry.address])).toStrictEqual([['login', 'ok', ADDRESS]]);
    expect(await h.stores.sessions.listFor(ADDRESS)).toHaveLength(1);
  });

  test('a failed session write makes the login 503 and leaves no "ok" entry, only the failure', async () => {
    const h = setup();
    await register(h);
    const { client, body } = await preparedSignIn(h);
    disk = simulateDiskFull({ statements: SESSION_INSERT });
    const res = await client.post('/api/auth/login', body);
    disk.restore();
    expectError(res, 503, 'service_unavailable');
    expect(await h.stores.sessions.count()).toBe(0);
    expect((await h.stores.audit.query({})).map((entry) => [entry.action, entry.outcome, entry.address])).toStrictEqual([['login', 'service_unavailable', ADDRESS]]);
  });

  test('a failed delete of the pre-login session fails the login, and the pre-login id is not signed in afterwards', async () => {
    const h = setup();
    await register(h);
    const { client, body } = await preparedSignIn(h);
    const preLogin = client.cookieHeader();
    disk = simulateDiskFull({ statements: SESSION_DELETE });
    const res = await client.post('/api/auth/login', body);
    disk.restore();
    expectError(res, 503, 'service_unavailable');
    // koa-session saves the session again as the request ends: the signed-in data must not land
    // under the old id, without an entry (and a fixation besides).
    expect(await h.stores.sessions.listFor(ADDRESS)).toStrictEqual([]);
    expectError(await new Client(h.server).get('/api/auth/me', { Cookie: preLogin }), 401, 'unauthenticated');
    expect(await h.stores.audit.query({ outcome: 'ok' })).toStrictEqual([]);
  });

  test('every accepted sign-in has its entry, and every signed-in session an accepted sign-in', async () => {
    const h = setup({ registration: 'open' });
    const first = new Client(h.server);
    expect((await first.signIn(undefined, { mode: 'register' })).status).toBe(201);
    for (let i = 0; i < 3; i += 1) expect((await new Client(h.server).signIn()).status).toBe(200);
    expect((await first.signIn()).status).toBe(200);
    const accepted = await h.stores.audit.query({ outcome: 'ok' });
    expect(accepted.map((entry) => entry.action).sort()).toStrictEqual(['login', 'login', 'login', 'login', 'register']);
    // `first` signed in twice: its first session was replaced by the second.
    expect(await h.stores.sessions.listFor(ADDRESS)).toHaveLength(4);
  });
});

/** /metrics on the app's own port, as with METRICS_TOKEN. */
const METRICS_TOKEN = 'audit-test-metrics-token-0123456789abcdef';

describe('with the audit log in another database: the queue', () => {
  /** The app's SQLite stores, with the audit log behind a switch that makes appends fail as unavailable. */
  function setupQueued(max: number) {
    let down = false;
    const h = setup({ metrics: { serve: 'public', token: METRICS_TOKEN } }, (real) => {
      const audit: AuditStore = {
        append: (entry) => (down ? Promise.reject(new StoreUnavailableError('postgres', 'connection refused')) : real.audit.append(entry)),
        query: (query) => real.audit.query(query),
      };
      const stores = composeStores(real, { users: real.users, clients: real.clients, signingKeys: real.signingKeys, audit, check: () => real.check(), sweep: async () => undefined, close: async () => undefined }, {
        auditQueue: { max, retryMs: 10, retryMaxMs: 10 },
      });
      composed.push(stores);
      return stores;
    });
    return { h, setDown: (value: boolean) => void (down = value) };
  }

  test('sign-ins are accepted while their entries wait; a full queue answers 503 and signs no one in; /metrics shows the records waiting', async () => {
    const { h, setDown } = setupQueued(1);
    await register(h);
    setDown(true);
    const waiting = new Client(h.server);
    expect((await waiting.signIn()).status).toBe(200);
    expect(h.stores.auditBacklog()).toBe(1);

    const refused = new Client(h.server);
    const res = await refused.signIn();
    expectError(res, 503, 'service_unavailable');
    expect(res.headers['retry-after']).toBe('1');
    expect(refused.jar.has('wl.sid')).toBe(false);
    expect(await h.stores.sessions.listFor(ADDRESS)).toHaveLength(1);
    const metrics = await new Client(h.server).get('/metrics', { Authorization: `Bearer ${METRICS_TOKEN}` });
    expect(metrics.text).toMatch(/^wallet_login_audit_records_waiting 1$/m);

    // The audit log is back: the entry is written, the gauge drops, sign-ins are accepted again.
    setDown(false);
    await until(async () => {
      if (h.stores.auditBacklog() > 0) throw new Error('still waiting');
    }, 3000);
    expect((await h.stores.audit.query({ outcome: 'ok' })).map((entry) => entry.address)).toStrictEqual([ADDRESS]);
    expect((await new Client(h.server).get('/metrics', { Authorization: `Bearer ${METRICS_TOKEN}` })).text).toMatch(/^wallet_login_audit_records_waiting 0$/m);
    expect((await refused.signIn()).status).toBe(200);
    await until(async () => {
      if ((await h.stores.audit.query({ outcome: 'ok' })).length < 2) throw new Error('still waiting');
    }, 3000);
  });
});
