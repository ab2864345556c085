// Test helper: a full disk under every SQLite connection of this process. While it is on, each
// writing statement (INSERT, UPDATE, DELETE, also inside transactions and the rate limiter's)
// throws what better-sqlite3 throws when the file cannot grow: SqliteError SQLITE_FULL.
// Reads are served as usual, as SQLite serves them on a full disk. It can be narrowed to some
// statements (only the audit log's inserts, say) to fail one write of a transaction. For unit
// tests; the fault suite fills a real file system instead (test/faults/diskFull.faults.ts).

import Database from 'better-sqlite3';

/** A statement's methods that run it. */
const RUNNERS = ['run', 'get', 'all', 'iterate'] as const;
const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;

export interface DiskFull {
  /** Lets writes through again. */
  restore(): void;
}

export interface DiskFullOptions {
  /** The SQLite result code thrown. @default 'SQLITE_FULL' */
  code?: string;
  /** Its message. @default 'database or disk is full' */
  message?: string;
  /** Only writing statements whose SQL matches fail. @default every writing statement */
  statements?: RegExp;
}

/**
 * Makes every writing statement of every connection fail with SQLITE_FULL (or the given code, to
 * stand for another fault of the file: SQLITE_IOERR_WRITE, SQLITE_READONLY…) until `restore`.
 */
export function simulateDiskFull(options: DiskFullOptions = {}): DiskFull {
  const { code = 'SQLITE_FULL', message = 'database or disk is full', statements } = options;
  const probe = new Database(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<(typeof RUNNERS)[number], (...args: unknown[]) => unknown>;
  probe.close();
  const originals = RUNNERS.map((name) => [name, prototype[name]] as const);
  for (const [name, original] of originals) {
    prototype[name] = function (this: { source: string }, ...args: unknown[]) {
      if (WRITE.test(this.source) && (statements === undefined || statements.test(this.source))) throw new Database.SqliteError(message, code);
      return original.apply(this, args);
    };
  }
  return {
    restore() {
      for (const [name, original] of originals) prototype[name] = original;
    },
  };
}
