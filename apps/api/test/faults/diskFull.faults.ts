// Fault test (npx jest -c jest.faults.config.ts apps/api/src/faults/diskFull.faults.ts): the
// built API as a real process on the SQLite default, its DATA_DIR a small tmpfs of its own
// (mounted here: the test runs as root), filled to the brim while people are signed in:
//
//   disk full   → challenge, login, register and logout answer 503 service_unavailable with
//                 Retry-After, never a 500; a logout that failed leaves its session signed in;
//                 /readyz answers 503 naming sqlite, /healthz 200 (the process is fine)
//   space freed → without a restart, /readyz is 200 again by itself, the sessions from before
//                 are intact, and signing in, out and up works
//
// and, at start-up, the one warning about a data directory other users can enter (the tmpfs is
// mounted 0755), and the database files private (0600) all the same.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, privateKeyToAddress, signMessage } from '@wallet-login/testkit';
import { CookieClient, type ApiAnswer } from '../support/cookies';
import { startApiProcess, type ApiProcess } from '../support/processes';
import { fillFileSystem, useTmpfs } from '../support/tmpfs';

/** Big enough for the database and its WAL, small enough to fill in a moment. */
const TMPFS_SIZE = '8m';
const USERS = 4;
const SESSION_KEY = `disk-full-session-key-${randomBytes(16).toString('hex')}`;

class Client extends CookieClient {
  /** A challenge for `key`'s address, signed. */
  async challenge(key: string): Promise<{ sid: string; signature: string }> {
    const res = await this.send('POST', '/api/auth/challenge', { address: privateKeyToAddress(key) });
    expect(res.status).toBe(200);
    return { sid: res.json.sid, signature: signMessage({ message: res.json.message, privateKey: key }) };
  }

  async signIn(key: string, mode: 'login' | 'register'): Promise<number> {
    return (await this.send('POST', `/api/auth/${mode}`, await this.challenge(key))).status;
  }
}

describe('the data directory runs out of space', () => {
  let api: ApiProcess | undefined;
  const tmpfs = useTmpfs({ prefix: 'wallet-login-diskfull-', size: TMPFS_SIZE, mode: '0755', beforeUnmount: async () => void (await api?.stop('SIGKILL')) });

  test('every write answers 503, never 500, /readyz says so, and all recovers without a restart once there is room', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    api = await startApiProcess({
      env: {
        PORT: String(port),
        PUBLIC_ORIGIN: url,
        DATA_DIR: tmpfs.path,
        SESSION_KEYS: SESSION_KEY,
        REGISTRATION: 'open',
        RATE_LIMIT_IP_PER_MINUTE: '100000000',
        RATE_LIMIT_ADDRESS_FAILURES_PER_HOUR: '100000000',
        INSTANCE_ID: 'disk-full-1',
        WORKERS: '1',
      },
    });

    // Start-up: one warning about the 0755 directory; the database files 0600 regardless.
    const warnings = api.logs().filter((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('the data directory'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, dataDir: tmpfs.path, mode: '0755' });
    const sqliteFiles = fs.readdirSync(tmpfs.path).filter((name) => name.startsWith('wallet-login.sqlite'));
    expect(sqliteFiles.sort()).toStrictEqual(['wallet-login.sqlite', 'wallet-login.sqlite-shm', 'wallet-login.sqlite-wal']);
    for (const name of sqliteFiles) expect([name, (fs.statSync(path.join(tmpfs.path, name)).mode & 0o777).toString(8)]).toStrictEqual([name, '600']);

    // People sign in (registering); one more has a challenge pending.
    const keys = Array.from({ length: USERS + 1 }, () => `0x${randomBytes(32).toString('hex')}`);
    const users = keys.slice(0, USERS).map((key) => ({ key, client: new Client(url) }));
    for (const user of users) {
      expect(await user.client.signIn(user.key, 'register')).toBe(201);
      expect((await user.client.send('GET', '/api/auth/me')).status).toBe(200);
    }
    const newcomer = { key: keys[USERS]!, client: new Client(url) };
    const pending = await newcomer.client.challenge(newcomer.key);

    // The disk fills up.
    const filler = path.join(tmpfs.path, 'filler');
    expect(fillFileSystem(filler)).toBeGreaterThan(0);
    expect(() => fs.writeFileSync(path.join(tmpfs.path, 'probe'), 'x')).toThrow(/ENOSPC/);

    const answers: Array<{ what: string; status: number; code?: string; retryAfter: string | null }> = [];
    const note = (what: string, res: ApiAnswer) =>
      answers.push({ what, status: res.status, code: res.json?.error?.code, retryAfter: res.headers.get('retry-after') });
    for (const [i, user] of users.entries()) {
      note('challenge', await user.client.send('POST', '/api/auth/challenge', { address: privateKeyToAddress(user.key) }));
      note('challenge (new visitor)', await new Client(url).send('POST', '/api/auth/challenge', {}));
      note('login', await newcomer.client.send('POST', '/api/auth/login', pending));
      note('register', await newcomer.client.send('POST', '/api/auth/register', pending));
      note('logout', await user.client.send('POST', '/api/auth/logout'));
      // The logout that failed did not happen: the session is still signed in.
      const me = await user.client.send('GET', '/api/auth/me');
      expect({ user: i, status: me.status, address: me.json?.address }).toStrictEqual({ user: i, status: 200, address: privateKeyToAddress(user.key) });
    }
    expect(answers.filter((answer) => answer.status !== 503 || answer.code !== 'service_unavailable' || answer.retryAfter !== '1')).toStrictEqual([]);
    expect(answers).toHaveLength(5 * USERS);

    const notReady = await new Client(url).send('GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json).toStrictEqual({
      status: 'unavailable',
      dependencies: [{ name: 'sqlite', ok: false, latencyMs: expect.any(Number), error: 'writes fail: database or disk is full (SQLITE_FULL)' }],
    });
    // The process itself is fine: restarting it would not make room.
    expect((await new Client(url).send('GET', '/healthz')).status).toBe(200);
    expect(api.child.exitCode).toBeNull();

    // Room again: /readyz finds out by itself (its own small write), with no request in between.
    fs.rmSync(filler);
    const ready = await new Client(url).send('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toStrictEqual({ status: 'ready', dependencies: [{ name: 'sqlite', ok: true, latencyMs: expect.any(Number) }] });

    // The sessions from before are intact, and every kind of write works again.
    for (const user of users) expect((await user.client.send('GET', '/api/auth/me')).json?.address).toBe(privateKeyToAddress(user.key));
    expect((await newcomer.client.send('POST', '/api/auth/register', pending)).status).toBe(201);
    for (const user of users) {
      expect((await user.client.send('POST', '/api/auth/logout')).status).toBe(204);
      expect((await user.client.send('GET', '/api/auth/me')).status).toBe(401);
      expect(await user.client.signIn(user.key, 'login')).toBe(200);
    }
    // Nothing was answered or logged as a server fault.
    expect(api.logs().filter((entry) => entry.level === 50 || entry.status === 500)).toStrictEqual([]);
  });
});
