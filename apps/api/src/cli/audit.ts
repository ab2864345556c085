// Admin CLI for the audit log of sign-in attempts, newest first.
//   npm run audit                                   the latest 100 entries
//   npm run audit -- --address 0x… --since 24h      one address over the last day
//   npm run audit -- --since 2026-11-01 --until 2026-11-02 --outcome signature_invalid --json

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { normalizeAddress } from '@wallet-login/challenge';
import { escapeControlCharacters } from '@wallet-login/challenge';
import { escapeOutput, runCliProcess, type CliIo } from './process';
import type { AuditEntry, AuditQuery, Stores } from '../stores/types';

export type AuditCliIo = CliIo;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A time: an ISO 8601 date or date-time, or a duration before now such as 90s, 15m, 24h or 7d. */
export function parseTime(value: string, now: number): number {
  const relative = /^(\d{1,9})([smhd])$/.exec(value);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new InvalidArgumentError('expected an ISO date such as 2026-11-01 or 2026-11-01T12:00:00Z, or a duration such as 15m, 24h, 7d');
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new InvalidArgumentError('expected a whole number from 1 to 100000');
  return limit;
}

function parseAddress(value: string): string {
  const address = normalizeAddress(value);
  if (!address) throw new InvalidArgumentError('not an Ethereum address (0x + 40 hex digits; mixed case must be a valid EIP-55 checksum)');
  return address;
}

/** One entry as a line; stored values are escaped when the line is printed. */
function formatEntry(entry: AuditEntry): string {
  return [
    new Date(entry.at).toISOString(),
    entry.action.padEnd(10),
    entry.outcome.padEnd(22),
    (entry.address ?? '-').padEnd(42),
    // How a sign-in's address proved itself: eoa, erc1271, erc6492.
    (entry.method ?? '-').padEnd(7),
    entry.ip.padEnd(15),
    entry.instance,
    JSON.stringify(entry.userAgent ?? ''),
  ].join('  ');
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runAuditCli(argv: string[], io: AuditCliIo): Promise<number> {
  let stores: Stores | undefined;
  const now = io.clock.now();
  const program = new Command('audit')
    .description('Show the audit log of sign-in attempts, newest first.')
    .addOption(new Option('--address <address>', 'only this address').argParser(parseAddress))
    .addOption(new Option('--since <time>', 'only from this time (ISO date, or a duration ago: 15m, 24h, 7d)').argParser((v) => parseTime(v, now)))
    .addOption(new Option('--until <time>', 'only before this time').argParser((v) => parseTime(v, now)))
    .option('--outcome <code>', "only this outcome: 'ok' or an error code")
    .addOption(new Option('--limit <n>', 'at most this many entries').default(100).argParser(parseLimit))
    .option('--json', 'one JSON object per line')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(escapeOutput(text)), writeErr: (text) => io.stderr(escapeOutput(text)) })
    .action(async (options: { address?: string; since?: number; until?: number; outcome?: string; limit: number; json?: boolean }) => {
      stores = await io.openStores();
      const query: AuditQuery = { limit: options.limit };
      if (options.address !== undefined) query.address = options.address;
      if (options.since !== undefined) query.since = options.since;
      if (options.until !== undefined) query.until = options.until;
      if (options.outcome !== undefined) query.outcome = options.outcome;
      const entries = await stores.audit.query(query);
      // The User-Agent and the other stored values are what clients sent: no control or bidi
      // character of theirs reaches the terminal, and a --json line stays valid JSON.
      for (const entry of entries) io.stdout(`${escapeControlCharacters(options.json ? JSON.stringify(entry) : formatEntry(entry))}\n`);
      if (!options.json) io.stderr(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}\n`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  } finally {
    await stores?.close();
  }
}

if (require.main === module) runCliProcess(runAuditCli);
