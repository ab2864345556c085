// What an admin CLI needs from the process, in one place: configuration from the environment,
// the wall clock, the configured stores, stdout/stderr, and the exit code.

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
