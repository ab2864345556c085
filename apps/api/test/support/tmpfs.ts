// A small tmpfs of the test's own as a server's data directory, and filling it to the brim: for
// the fault tests of a full disk (mounting needs root, which the test machines have).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs a command; throws with its output when it fails. */
export function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.error?.message}): ${result.stderr}`);
}

/**
 * A tmpfs of `size` (e.g. '8m') and `mode` mounted for the enclosing describe block: mounted in
 * beforeAll, unmounted and removed in afterAll (after `beforeUnmount`, e.g. stopping the server
 * that uses it). Read `.path` inside tests.
 */
export function useTmpfs(options: { prefix: string; size: string; mode: string; beforeUnmount?: () => Promise<void> }): { readonly path: string } {
  let mountPoint: string | undefined;
  let mounted = false;
  beforeAll(() => {
    mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
    run('mount', ['-t', 'tmpfs', '-o', `size=${options.size},mode=${options.mode}`, 'tmpfs', mountPoint]);
    mounted = true;
  });
  afterAll(async () => {
    await options.beforeUnmount?.();
    if (mountPoint === undefined) return;
    if (mounted) run('umount', [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });
  return {
    get path() {
      if (mountPoint === undefined) throw new Error('the tmpfs is mounted in beforeAll; use it inside tests');
      return mountPoint;
    },
  };
}

/**
 * Writes `file` until the file system has no byte left (big blocks, then ever smaller ones), then
 * gives `roomLeft` bytes back; returns the bytes it wrote.
 */
export function fillFileSystem(file: string, roomLeft = 0): number {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
      const block = Buffer.alloc(size, 0x5a);
      // Bounded: a file system of up to 64 MiB takes at most 64 blocks of 1 MiB, then fewer than 16 of each smaller size.
      for (let i = 0; i < 64; i += 1) {
        try {
          written += fs.writeSync(fd, block);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
    if (roomLeft > 0) fs.ftruncateSync(fd, Math.max(0, written - roomLeft));
  } finally {
    fs.closeSync(fd);
  }
  return written;
}
