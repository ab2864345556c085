import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSessionFilePath, readSessionFile, SessionFileError, updateSessionFile } from './sessionFile';
import { privateKeyToAddress } from '@wallet-login/testkit';

const ADDRESS = privateKeyToAddress(`0x${'11'.repeat(32)}`);
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'wallet-login-client-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const mode = (path: string): number => statSync(path).mode & 0o777;

test('the default file is ~/.wallet-login/session.json', () => {
  expect(defaultSessionFilePath({ homeDir: '/home/ada' })).toBe('/home/ada/.wallet-login/session.json');
});

test('a missing file reads as no sessions', async () => {
  expect(await readSessionFile({ path: join(home, 'nope.json') })).toEqual({ version: 1, sessions: {} });
});

test('writes the file 0600 in a new directory 0700, sessions keyed by base URL', async () => {
  const path = defaultSessionFilePath({ homeDir: home });
  await updateSessionFile({ path, baseUrl: 'http://a.test', entry: { address: ADDRESS, cookies: { 'wl.sid': '1', 'wl.sid.sig': '2' } } });
  await updateSessionFile({ path, baseUrl: 'http://b.test', entry: { cookies: { 'wl.sid': '3' } } });

  expect(mode(join(home, '.wallet-login'))).toBe(0o700);
  expect(mode(path)).toBe(0o600);
  expect(await readSessionFile({ path })).toEqual({
    version: 1,
    sessions: {
      'http://a.test': { address: ADDRESS, cookies: { 'wl.sid': '1', 'wl.sid.sig': '2' } },
      'http://b.test': { cookies: { 'wl.sid': '3' } },
    },
  });
  // Replaced by rename: no temporary files are left behind.
  expect(readdirSync(join(home, '.wallet-login'))).toEqual(['session.json']);
});

test('makes an existing, more open file 0600 again when it rewrites it', async () => {
  const path = join(home, 'session.json');
  writeFileSync(path, JSON.stringify({ version: 1, sessions: {} }), { mode: 0o644 });
  chmodSync(path, 0o644);
  await updateSessionFile({ path, baseUrl: 'http://a.test', entry: { cookies: { a: 'b' } } });
  expect(mode(path)).toBe(0o600);
});

test("leaves the mode of a directory it did not create alone (--session-file in a shared directory)", async () => {
  const shared = join(home, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o755);
  await updateSessionFile({ path: join(shared, 's.json'), baseUrl: 'http://a.test', entry: { cookies: { a: 'b' } } });
  expect(mode(shared)).toBe(0o755);
  expect(mode(join(shared, 's.json'))).toBe(0o600);
});

test('removing the last entry removes the file', async () => {
  const path = join(home, 'session.json');
  await updateSessionFile({ path, baseUrl: 'http://a.test', entry: { cookies: { a: 'b' } } });
  await updateSessionFile({ path, baseUrl: 'http://a.test', entry: undefined });
  expect(readdirSync(home)).toEqual([]);
});

test('rejects a file that is not a session file, or has cookies that could break a header', async () => {
  const path = join(home, 'session.json');
  for (const text of ['{', '[]', '{"version":2,"sessions":{}}', '{"version":1,"sessions":{"http://a.test":{"cookies":{"a":"b\\r\\nX: y"}}}}']) {
    writeFileSync(path, text);
    await expect(readSessionFile({ path })).rejects.toThrow(SessionFileError);
  }
});
