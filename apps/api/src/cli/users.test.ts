import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../stores/sqlite';
import { runUsersCli } from './users';
import { createTestClock, privateKeyToAddress, TEST_KEY } from '@wallet-login/testkit';

const ADDRESS = privateKeyToAddress(TEST_KEY);
const clock = createTestClock(Date.UTC(2026, 0, 1));
let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-users-'));
  file = join(dir, 'db.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runUsersCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    openStores: () => openSqliteStores({ file, clock }),
    clock,
  });
  return { code, stdout, stderr };
}

describe('users CLI', () => {
  test('add normalises to the checksummed form; adding again says so', async () => {
    expect(await run('add', ADDRESS.toLowerCase())).toEqual({ code: 0, stdout: `added ${ADDRESS}\n`, stderr: '' });
    expect(await run('add', ADDRESS)).toEqual({ code: 0, stdout: `already registered ${ADDRESS}\n`, stderr: '' });
    expect(await run('list')).toEqual({ code: 0, stdout: `${ADDRESS}  2026-01-01T00:00:00.000Z\n`, stderr: '' });
  });

  test('remove unregisters and ends the sessions of the address', async () => {
    await run('add', ADDRESS);
    const stores = openSqliteStores({ file, clock });
    await stores.sessions.set('s1', { address: ADDRESS }, 60_000);
    await stores.close();
    expect(await run('remove', ADDRESS)).toEqual({ code: 0, stdout: `removed ${ADDRESS} (1 session ended)\n`, stderr: '' });
    expect((await run('list')).stdout).toBe('');
    expect((await run('remove', ADDRESS)).code).toBe(1);
  });

  test('a stored value and an echoed argument are printed with control and bidi characters escaped', async () => {
    // The registry holds what was written to it; a row written around this CLI is printed safely.
    const stores = openSqliteStores({ file, clock });
    await stores.users.add('0x\u001b]0;pwned\u0007\u009b2J\u202e', clock.now());
    await stores.close();
    const list = await run('list');
    expect(list.stdout).toBe(`${String.raw`0x\u001b]0;pwned\u0007\u009b2J\u202e`}  2026-01-01T00:00:00.000Z\n`);

    const refused = await run('add', '0x\u001b[2J\u202e');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`error: not an Ethereum address: "${String.raw`0x\u001b[2J\u202e`}" (0x + 40 hex digits; mixed case must be a valid EIP-55 checksum)\n`);
  });

  test.each([
    ['a bad checksum', ['add', ADDRESS.replace('c7536', 'C7536')]],
    ['a short address', ['add', '0x1234']],
    ['no address', ['add']],
    ['an unknown command', ['frobnicate']],
  ])('refuses %s with exit code 2 and leaves the registry as it was', async (_name, argv) => {
    await run('add', ADDRESS);
    const result = await run(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error/);
    expect((await run('list')).stdout).toBe(`${ADDRESS}  2026-01-01T00:00:00.000Z\n`);
  });
});
