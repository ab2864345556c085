import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStores } from '../stores/sqlite';
import type { AuditEntry, Stores } from '../stores/types';
import { parseTime, runAuditCli } from './audit';
import { createTestClock, privateKeyToAddress, TEST_KEY } from '@wallet-login/testkit';

const NOW = Date.UTC(2026, 10, 24, 12);
const ALICE = privateKeyToAddress(TEST_KEY);
const BOB = privateKeyToAddress(`0x${'42'.repeat(32)}`);
const clock = createTestClock(NOW);
let dir: string;
let stores: Stores;

const entry = (at: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  at, action: 'login', outcome: 'ok', address: ALICE, ip: '203.0.113.7', userAgent: 'Browser/1', instance: 'api-1', ...overrides,
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-audit-'));
  stores = openSqliteStores({ file: join(dir, 'db.sqlite'), clock });
  await stores.audit.append(entry(NOW - 3 * 86_400_000, { method: 'erc6492' }));
  await stores.audit.append(entry(NOW - 3_600_000, { outcome: 'signature_invalid', address: undefined }));
  await stores.audit.append(entry(NOW - 60_000, { address: BOB, outcome: 'address_not_registered' }));
  await stores.audit.append(entry(NOW - 1000, { action: 'logout' }));
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runAuditCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    openStores: () => openSqliteStores({ file: join(dir, 'db.sqlite'), clock }),
    clock,
  });
  return { code, stdout, stderr, lines: stdout.split('\n').filter(Boolean) };
}

describe('audit CLI', () => {
  test('lists entries newest first, one per line', async () => {
    const { code, lines, stderr } = await run();
    expect(code).toBe(0);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('2026-11-24T11:59:59.000Z');
    expect(lines[0]).toMatch(/logout +ok +0x/);
    expect(lines[2]).toMatch(/signature_invalid +- +- +203\.0\.113\.7/);
    // A sign-in says how its address proved itself.
    expect(lines[3]).toMatch(/login +ok +0x[0-9a-fA-F]{40} +erc6492 +203\.0\.113\.7/);
    expect(stderr).toBe('4 entries\n');
  });

  test('filters by address (any case), relative --since and outcome', async () => {
    const { lines } = await run('--address', ALICE.toLowerCase(), '--since', '24h', '--json');
    expect(lines.map((line) => JSON.parse(line))).toStrictEqual([entry(NOW - 1000, { action: 'logout' })]);
    const bob = await run('--outcome', 'address_not_registered', '--json');
    expect(bob.lines.map((line) => JSON.parse(line).address)).toStrictEqual([BOB]);
  });

  test('--since and --until take ISO dates; --limit caps the count', async () => {
    const { lines } = await run('--since', '2026-11-20', '--until', '2026-11-24T10:30:00Z', '--json');
    expect(lines.map((line) => JSON.parse(line).at)).toStrictEqual([NOW - 3 * 86_400_000]);
    expect((await run('--limit', '2')).lines).toHaveLength(2);
  });

  test.each([
    [['--address', '0x1234']],
    [['--since', 'yesterday']],
    [['--limit', '0']],
    [['--bogus']],
  ])('refuses %p with exit code 2 and a message', async (argv) => {
    const { code, stderr, lines } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error/);
    expect(lines).toStrictEqual([]);
  });

  describe('a stored User-Agent with control and bidi characters', () => {
    // CSI 0x9b and ESC [ would drive the terminal; U+202E would reverse what follows on screen.
    const hostile = 'Evil/1 \u009b2J\u001b[31mred\u007f \u202egnp.exe\u2066x\u2069\r\nforged line';
    const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    beforeEach(async () => {
      await stores.audit.append(entry(NOW - 10, { userAgent: hostile }));
    });

    test('is printed with each of them escaped, on its own line', async () => {
      const { stdout, lines } = await run('--limit', '1');
      expect(stdout).not.toMatch(RAW);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(String.raw`"Evil/1 \u009b2J\u001b[31mred\u007f \u202egnp.exe\u2066x\u2069\r\nforged line"`);
    });

    test('--json stays valid JSON that reads back the exact stored value', async () => {
      const { stdout, lines } = await run('--limit', '1', '--json');
      expect(stdout).not.toMatch(RAW);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toStrictEqual(entry(NOW - 10, { userAgent: hostile }));
    });
  });

  test('an argument echoed in an error is escaped too', async () => {
    const { code, stderr } = await run('--outcome', 'ok', '--bogus\u009b');
    expect(code).toBe(2);
    expect(stderr).toContain(String.raw`--bogus\u009b`);
    expect(stderr).not.toContain('\u009b');
  });

  test('parseTime reads durations against now and ISO dates as given', () => {
    expect(parseTime('90s', NOW)).toBe(NOW - 90_000);
    expect(parseTime('7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTime('2026-11-01T00:00:00Z', NOW)).toBe(Date.UTC(2026, 10, 1));
  });
});
