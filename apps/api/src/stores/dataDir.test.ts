// The data directory is private: created 0700 whatever the umask, and one already open to other
// users is reported once, through the injected logger, and left as it is.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { checkDataDir, createDataDir } from './dataDir';

let root: string;
let umask: number;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-datadir-'));
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  fs.rmSync(root, { recursive: true, force: true });
});

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

function recordingLogger() {
  const warnings: Array<{ fields: unknown; message: string }> = [];
  const warn = (fields: unknown, message: string): void => void warnings.push({ fields, message });
  return { warnings, logger: { warn } as unknown as Pick<Logger, 'warn'> };
}

test('createDataDir makes a missing directory, and its parents, 0700 under umask 022', () => {
  const dir = path.join(root, 'a', 'data');
  createDataDir(dir);
  expect(modeOf(dir)).toBe(0o700);
  expect(modeOf(path.join(root, 'a'))).toBe(0o700);
});

test('createDataDir makes it 0700 even under a umask that takes owner bits', () => {
  process.umask(0o277);
  const dir = path.join(root, 'data');
  createDataDir(dir);
  expect(modeOf(dir)).toBe(0o700);
});

test('createDataDir leaves an existing directory as it is', () => {
  const dir = path.join(root, 'data');
  fs.mkdirSync(dir, { mode: 0o750 });
  createDataDir(dir);
  expect(modeOf(dir)).toBe(0o750);
});

test.each(['0755', '0750', '0711', '0705'])('an existing %s directory gets one warning naming it and its mode', (octal) => {
  const mode = parseInt(octal, 8);
  const dir = path.join(root, 'data');
  fs.mkdirSync(dir);
  fs.chmodSync(dir, mode);
  const { warnings, logger } = recordingLogger();
  const warning = checkDataDir({ dir, logger });
  expect(warning).toContain(dir);
  expect(warning).toContain(`mode ${octal}`);
  expect(warnings).toStrictEqual([{ fields: { dataDir: dir, mode: octal }, message: warning }]);
  expect(modeOf(dir)).toBe(mode);
});

test('a private directory, or a missing one, gets no warning', () => {
  const { warnings, logger } = recordingLogger();
  const dir = path.join(root, 'data');
  expect(checkDataDir({ dir, logger })).toBeUndefined();
  createDataDir(dir);
  expect(checkDataDir({ dir, logger })).toBeUndefined();
  fs.chmodSync(dir, 0o500);
  expect(checkDataDir({ dir, logger })).toBeUndefined();
  expect(warnings).toStrictEqual([]);
});
