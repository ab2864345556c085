// Admin CLI for the user registry on this server's data: add, remove, list.
//   npm run users -- add 0x…      register an address (checksum-normalised)
//   npm run users -- remove 0x…   unregister it and end its sessions
//   npm run users -- list         every registered address, oldest first

import { Command } from 'commander';
import { normalizeAddress } from '@wallet-login/challenge';
import { escapeControlCharacters } from '@wallet-login/challenge';
import { escapeOutput, runCliProcess, runProgram, UsageError, type CliIo } from './process';
import type { Stores } from '../stores/types';

export type UsersCliIo = CliIo;

function parseAddress(value: string): string {
  const address = normalizeAddress(value);
  if (!address) throw new UsageError(`not an Ethereum address: "${value}" (0x + 40 hex digits; mixed case must be a valid EIP-55 checksum)`);
  return address;
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runUsersCli(argv: string[], io: UsersCliIo): Promise<number> {
  let stores: Stores | undefined;
  const open = async () => (stores ??= await io.openStores());
  const program = new Command('users')
    .description('Manage the addresses allowed to sign in.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(escapeOutput(text)), writeErr: (text) => io.stderr(escapeOutput(text)) });
  // Stored addresses and the arguments echoed back are printed with control and bidi characters escaped.
  const line = (text: string): void => io.stdout(`${escapeControlCharacters(text)}\n`);

  program
    .command('add')
    .argument('<address>', 'Ethereum address')
    .description('register an address')
    .action(async (value: string) => {
      const address = parseAddress(value);
      const added = await (await open()).users.add(address, io.clock.now());
      line(`${added ? 'added' : 'already registered'} ${address}`);
    });
  program
    .command('remove')
    .argument('<address>', 'Ethereum address')
    .description('unregister an address and end its sessions')
    .action(async (value: string) => {
      const address = parseAddress(value);
      const { users, sessions } = await open();
      const removed = await users.remove(address);
      const ended = await sessions.destroyAllFor(address);
      line(removed ? `removed ${address} (${ended} session${ended === 1 ? '' : 's'} ended)` : `not registered: ${address}`);
      if (!removed) throw new UsageError('');
    });
  program
    .command('list')
    .description('list registered addresses, oldest first')
    .action(async () => {
      for (const user of await (await open()).users.list()) line(`${user.address}  ${new Date(user.createdAt).toISOString()}`);
    });

  try {
    return await runProgram(program, argv, io, 2);
  } finally {
    await stores?.close();
  }
}

if (require.main === module) runCliProcess(runUsersCli);
