// The data directory (DATA_DIR) holds the SQLite file (session hashes, the audit log), the
// generated cookie keys and the TLS key. It is created for its owner only (0700); one that
// already exists with access for other local users is reported once at start-up, not changed
// (the operator may mean it, e.g. for a backup group), since they could read what it holds.

import fs from 'node:fs';
import type { Logger } from 'pino';

/** Creates `dir` (and missing parents) for its owner only, whatever the umask; an existing one is left as it is. */
export function createDataDir(dir: string): void {
  const created = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode passes through the umask; chmod's does not.
  if (created !== undefined) fs.chmodSync(dir, 0o700);
}

export interface CheckDataDirOptions {
  /** The data directory. */
  dir: string;
  /** Where the warning goes. */
  logger: Pick<Logger, 'warn'>;
}

/**
 * Logs one warning, and returns it, when `dir` exists and its group or others have any access to
 * it (they could list it, or open the well-known files in it). Undefined when it is private or
 * does not exist yet.
 */
export function checkDataDir({ dir, logger }: CheckDataDirOptions): string | undefined {
  let mode: number;
  try {
    mode = fs.statSync(dir).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if ((mode & 0o077) === 0) return undefined;
  const octal = mode.toString(8).padStart(4, '0');
  const warning = `the data directory ${dir} is open to other users (mode ${octal}): they may read the audit log and session hashes kept there; chmod 700 it`;
  logger.warn({ dataDir: dir, mode: octal }, warning);
  return warning;
}
