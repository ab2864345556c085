// What an admin CLI needs from the process, in one place: configuration from the environment,
// the wall clock, the configured stores, stdout/stderr, and the exit code.

import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, systemClock } from '../config';
import { openStores } from '../stores/open';
import type { Clock, Stores } from '../stores/types';
import { escapeControlCharacters } from '@wallet-login/challenge';

/** What a CLI's run function is given instead of the process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Opens the stores the commands act on. */
  openStores: () => Stores | Promise<Stores>;
  clock: Clock;
}

/**
 * Multi-line output (commander's help and errors, which echo the arguments) with the control and
 * bidi characters of each line escaped and its line breaks kept.
 */
export function escapeOutput(text: string): string {
  return text.replace(/[^\n]+/g, (line) => escapeControlCharacters(line));
}

/** A command's input refused: one `error:` line with the message (none when it is empty). */
export class UsageError extends Error {}

/**
 * Parses `argv` with `program` and runs its command. Returns the exit code: 0; `usageExitCode`
 * for commander's own refusals (it has printed them) and for a UsageError with a message (printed
 * here as one line); 1 for a UsageError without one (the command has said what happened).
 */
export async function runProgram(program: Command, argv: string[], io: Pick<CliIo, 'stderr'>, usageExitCode: number): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : usageExitCode;
    if (error instanceof UsageError) {
      if (!error.message) return 1;
      io.stderr(`error: ${escapeControlCharacters(error.message)}\n`);
      return usageExitCode;
    }
    throw error;
  }
}

/** Runs `run` on the process's arguments and environment, and exits with its code. */
export function runCliProcess(run: (argv: string[], io: CliIo) => Promise<number>): void {
  try {
    const config = loadConfig();
    const clock = systemClock;
    run(process.argv.slice(2), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      openStores: () => openStores({ config, clock }),
      clock,
    }).then(
      (code) => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`error: ${escapeControlCharacters(error instanceof Error ? error.message : String(error))}\n`);
        process.exit(1);
      },
    );
  } catch (error) {
    process.stderr.write(`${escapeOutput(error instanceof ConfigError ? error.message : String(error))}\n`);
    process.exit(1);
  }
}
