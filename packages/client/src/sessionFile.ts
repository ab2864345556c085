// The CLI's session file: saved cookies per server, so `whoami` and `logout` work after `login`.
// It holds credentials, so it is written 0600 in a 0700 directory (the way ~/.ssh is kept), and
// replaced atomically so a crash never leaves half a file.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { normalizeAddress } from '@wallet-login/challenge';
import { parseSessionCookies, type SessionCookies } from './cookies';

/** One server's saved session. */
export interface SessionFileEntry {
  /** The signed-in address (EIP-55), when known. */
  address?: string;
  cookies: SessionCookies;
}

/** The file: format version and sessions keyed by base URL (as formatBaseUrl writes it). */
export interface SessionFile {
  version: 1;
  sessions: Record<string, SessionFileEntry>;
}

/** Thrown when the file exists but is not a session file this version can read. */
export class SessionFileError extends Error {
  override readonly name = 'SessionFileError';
}

/** `$HOME/.wallet-login/session.json`. */
export function defaultSessionFilePath({ homeDir }: { homeDir: string }): string {
  return join(homeDir, '.wallet-login', 'session.json');
}

/** Reads the file; a missing file is an empty one. */
export async function readSessionFile({ path }: { path: string }): Promise<SessionFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, sessions: {} };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new SessionFileError(`${path} is not valid JSON`, { cause });
  }
  const { version, sessions } = (value ?? {}) as Record<string, unknown>;
  if (version !== 1 || typeof sessions !== 'object' || sessions === null) throw new SessionFileError(`${path} is not a version 1 session file`);
  const checked = new Map<string, SessionFileEntry>();
  for (const [baseUrl, entry] of Object.entries(sessions)) {
    const { address, cookies } = (entry ?? {}) as Record<string, unknown>;
    const checkedCookies = parseSessionCookies(cookies);
    const checkedAddress = address === undefined ? undefined : normalizeAddress(address);
    if (checkedCookies === undefined || (address !== undefined && checkedAddress === undefined)) {
      throw new SessionFileError(`${path} has a malformed entry for ${baseUrl}`);
    }
    const checkedEntry: SessionFileEntry = { cookies: checkedCookies };
    if (checkedAddress !== undefined) checkedEntry.address = checkedAddress;
    checked.set(baseUrl, checkedEntry);
  }
  return { version: 1, sessions: Object.fromEntries(checked) };
}

export interface UpdateSessionFileParameters {
  path: string;
  /** The base URL the entry is for. */
  baseUrl: string;
  /** The new entry, or undefined to remove the server's entry. */
  entry: SessionFileEntry | undefined;
}

/**
 * Sets or removes one server's entry. Creates the directory 0700 when missing, and always leaves
 * the file 0600; the file is removed when no entries remain.
 */
export async function updateSessionFile({ path, baseUrl, entry }: UpdateSessionFileParameters): Promise<void> {
  const file = await readSessionFile({ path });
  const sessions = new Map(Object.entries(file.sessions));
  if (entry === undefined) sessions.delete(baseUrl);
  else sessions.set(baseUrl, entry);

  if (sessions.size === 0) {
    await rm(path, { force: true });
    return;
  }
  // mkdir's mode applies only to directories it creates: an existing directory (say /tmp for
  // --session-file /tmp/s.json) keeps its mode.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const next: SessionFile = { version: 1, sessions: Object.fromEntries(sessions) };
  try {
    await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // The umask can only take bits away from 0600, but a chmod makes the mode certain.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
