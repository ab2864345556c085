// The wallet-login command line: sign a challenge for pasting into the web page, or sign in from a
// terminal and keep the session in a file. `run` takes argv and io as arguments and returns the
// exit code, so tests drive it in-process; only bin/wallet-login.js reads process.*.
//
// Exit codes: 0 success, 1 the server or the session file said no (or could not be reached),
// 2 usage: bad options, a missing or invalid key, a bad URL.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { CHALLENGE_FORMATS, createJsonChallengeMessage, normalizePrivateKey, type ChallengeFormat } from '@wallet-login/challenge';
import { escapeControlCharacters } from '@wallet-login/challenge';
import { WalletLoginError } from './errors';
import { formatBaseUrl, parseBaseUrl } from './request';
import { defaultSessionFilePath, readSessionFile, SessionFileError, updateSessionFile, type SessionFile } from './sessionFile';
import { register, signIn } from './signIn';
import { signMessage } from './signMessage';
import { WalletSession, type SessionInfo } from './WalletSession';

/** Where the CLI reads and writes; the bin passes the process's own. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Read for `--message -` and `--challenge-json -`; absent means there is no input. */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** Environment variables: WALLET_LOGIN_URL, WALLET_LOGIN_KEY, or the one --key-env names. */
  env: Readonly<Record<string, string | undefined>>;
  /** The home directory, for the default session file `~/.wallet-login/session.json`. */
  homeDir: string;
}

// The server's default public origin, so EIP-4361 domain checks pass out of the box.
export const DEFAULT_URL = 'http://localhost:8080';
export const KEY_ENV = 'WALLET_LOGIN_KEY';
export const URL_ENV = 'WALLET_LOGIN_URL';

/** A failure the CLI reports as `error: <code>: <message>` with its exit code. */
class CliError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;

  constructor({ code, message, exitCode }: { code: string; message: string; exitCode: 1 | 2 }) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }
}

interface KeyOptions {
  key?: string;
  keyEnv?: string;
}

interface SessionOptions {
  url: string;
  sessionFile?: string;
  json?: boolean;
}

/**
 * Runs the CLI. `argv` holds the user's arguments only (`process.argv.slice(2)`); resolves with
 * the exit code instead of exiting.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const action =
    <T>(body: (options: T) => Promise<void>) =>
    async (options: T): Promise<void> => {
      try {
        await body(options);
      } catch (error) {
        exitCode = report({ error, io });
      }
    };

  const program = createProgram({ io, action });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // Commander has printed its message already; help and --version exit 0, usage errors 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return report({ error, io });
  }
  return exitCode;
}

type Action = <T>(body: (options: T) => Promise<void>) => (options: T) => Promise<void>;

function createProgram({ io, action }: { io: CliIo; action: Action }): Command {
  const defaultUrl = io.env[URL_ENV] || DEFAULT_URL;
  const program = new Command('wallet-login')
    .description('Sign in to a wallet-login server with an Ethereum private key.')
    .version(readVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(escapeLines(text)),
      // Commander quotes what it did not understand (`unknown option '--kye=…'`); a mistyped
      // option could hold the key, so long hex runs are masked.
      writeErr: (text) => io.stderr.write(escapeLines(redactHex(text))),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
    })
    .showHelpAfterError('(run wallet-login --help for usage)')
    .addHelpText(
      'after',
      `
The private key is read from --key, or the variable --key-env names, or ${KEY_ENV}; prefer
the variables, which keep the key out of shell history and the process list.

The sign command signs exactly the text the server issued. An issued message (EIP-4361 or
the JSON form) has no carriage return, no byte-order mark and no trailing newline, so in text
given with --message (from stdin or as an argument) CRLF line endings are read as LF, a leading
byte-order mark and one trailing line ending (an editor's or echo's) are dropped, and any other
carriage return is refused (exit 2). --challenge-json messages are signed as they are.

Exit codes: 0 success, 1 the server or session file refused or failed, 2 usage or key errors.

Examples:
  read -rs ${KEY_ENV} && export ${KEY_ENV}
  wallet-login login --url https://login.example.com --register
  wallet-login whoami --url https://login.example.com
  wallet-login sign --message - < challenge.txt`,
    );

  addKeyOptions(
    program
      .command('sign')
      .description('print the signature of a message or challenge (to paste into the web page)')
      .option('--message <text>', 'the message to sign, as issued, or - to read it from stdin (CRLF is read as LF and one trailing newline dropped: see --help)')
      .option('--challenge-json <json>', 'a challenge response {sid, timestamp, message?}: signs its message, else the JSON form; - reads stdin'),
  ).action(
    action<KeyOptions & { message?: string; challengeJson?: string }>(async (options) => {
      const privateKey = resolvePrivateKey({ options, env: io.env });
      const message = await readMessageToSign({ options, io });
      writeLine(io.stdout, signMessage({ message, privateKey }));
    }),
  );

  addSessionOptions(
    addKeyOptions(
      program
        .command('login')
        .description('sign in (or with --register, sign up) and save the session cookies')
        .addOption(new Option('--format <format>', 'how the challenge is rendered for signing').choices(CHALLENGE_FORMATS).default('siwe'))
        .option('--register', 'register the address first when it is new')
        .option('--domain <host>', 'the domain an EIP-4361 challenge must name (default: the host of --url)'),
    ),
    defaultUrl,
  ).action(
    action<KeyOptions & SessionOptions & { format: ChallengeFormat; register?: boolean; domain?: string }>(async (options) => {
      const baseUrl = resolveBaseUrl(options.url);
      const privateKey = resolvePrivateKey({ options, env: io.env });
      const sessionFile = options.sessionFile ?? defaultSessionFilePath({ homeDir: io.homeDir });
      const parameters = { baseUrl, privateKey, format: options.format, domain: options.domain };
      const { session, created } = options.register ? await register(parameters) : { session: await signIn(parameters), created: false };
      let info: SessionInfo;
      try {
        info = await session.me();
      } finally {
        // Saved even when /me fails: the login itself succeeded.
        await saveSession({ sessionFile, session });
      }

      if (options.json) {
        writeJson({ io, value: { ...formatInfo({ baseUrl, info }), ...(options.register && { created }) } });
        return;
      }
      writeLine(io.stdout, `${created ? 'registered and signed in' : 'signed in'} to ${baseUrl} as ${info.address}`);
      writeLine(io.stdout, `session expires ${new Date(info.expiresAt).toISOString()}`);
    }),
  );

  addSessionOptions(program.command('whoami').description('show the address and expiry of the saved session'), defaultUrl).action(
    action<SessionOptions>(async (options) => {
      const { baseUrl, sessionFile, session } = await loadSession({ options, io });
      const info = await session.me();
      // The server may have renewed the cookies (rolling sessions).
      await saveSession({ sessionFile, session });
      if (options.json) {
        writeJson({ io, value: formatInfo({ baseUrl, info }) });
        return;
      }
      writeLine(io.stdout, info.address);
      writeLine(io.stdout, `session expires ${new Date(info.expiresAt).toISOString()}`);
    }),
  );

  addSessionOptions(program.command('logout').description('end the saved session on the server and forget its cookies'), defaultUrl, {
    json: false,
  }).action(
    action<SessionOptions>(async (options) => {
      const baseUrl = resolveBaseUrl(options.url);
      const sessionFile = options.sessionFile ?? defaultSessionFilePath({ homeDir: io.homeDir });
      const entry = (await readSavedSessions(sessionFile)).sessions[baseUrl];
      if (entry === undefined) {
        writeLine(io.stdout, `not signed in to ${baseUrl}`);
        return;
      }
      // A network failure leaves the cookies saved: the session is still live, so retrying must work.
      await WalletSession.restore({ baseUrl, cookies: entry.cookies, address: entry.address }).logout();
      await updateSessionFile({ path: sessionFile, baseUrl, entry: undefined });
      writeLine(io.stdout, `signed out of ${baseUrl}`);
    }),
  );

  return program;
}

function addKeyOptions(command: Command): Command {
  return command
    .option('--key <hex>', 'private key, 64 hex digits (visible in shell history: prefer the variables)')
    .option('--key-env <name>', `read the private key from this environment variable (default: ${KEY_ENV})`);
}

function addSessionOptions(command: Command, defaultUrl: string, { json = true }: { json?: boolean } = {}): Command {
  command
    .option('--url <url>', `server base URL (env ${URL_ENV})`, defaultUrl)
    .option('--session-file <path>', 'where sessions are saved (default: ~/.wallet-login/session.json)');
  return json ? command.option('--json', 'print machine-readable JSON') : command;
}

/** The key from --key, the variable --key-env names, or WALLET_LOGIN_KEY; checked, never echoed. */
function resolvePrivateKey({ options, env }: { options: KeyOptions; env: CliIo['env'] }): string {
  if (options.key !== undefined && options.keyEnv !== undefined) usage('missing_key', 'give either --key or --key-env, not both');
  const variable = options.keyEnv ?? KEY_ENV;
  const key = options.key ?? env[variable];
  if (key === undefined || key.trim() === '') {
    if (options.keyEnv !== undefined) usage('missing_key', `environment variable ${variable} is not set or empty`);
    usage('missing_key', `no private key: set ${KEY_ENV}, or pass --key-env NAME or --key HEX`);
  }
  try {
    return normalizePrivateKey(key);
  } catch {
    return usage('invalid_key', 'the private key must be 64 hex digits (32 bytes), with or without 0x');
  }
}

async function readMessageToSign({ options, io }: { options: { message?: string; challengeJson?: string }; io: CliIo }): Promise<string> {
  const { message, challengeJson } = options;
  if ((message === undefined) === (challengeJson === undefined)) usage('usage', 'give exactly one of --message or --challenge-json');
  if (message !== undefined) return toIssuedText(message === '-' ? await readStdin(io) : message);

  // A byte-order mark (Windows editors) is no JSON; line endings are JSON whitespace.
  const text = challengeJson === '-' ? (await readStdin(io)).replace(/^\uFEFF/, '') : (challengeJson as string);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    usage('invalid_challenge', '--challenge-json is not valid JSON');
  }
  const { sid, timestamp, message: challengeMessage } = (value ?? {}) as Record<string, unknown>;
  if (typeof challengeMessage === 'string') return challengeMessage;
  // The plain form: timestamp as the API sends it (a number) or as the JSON message has it (a string).
  const ms = typeof timestamp === 'string' && /^[0-9]+$/.test(timestamp) ? Number(timestamp) : timestamp;
  if (typeof sid !== 'string' || sid === '' || typeof ms !== 'number') {
    usage('invalid_challenge', '--challenge-json needs a "message", or a "sid" and a "timestamp"');
  }
  try {
    return createJsonChallengeMessage({ sid, timestamp: ms });
  } catch (cause) {
    return usage('invalid_challenge', `--challenge-json: ${(cause as Error).message}`);
  }
}

/**
 * The text as the server issued it, from a copy that an editor, a Windows file or a shell may have
 * changed: a signature over any other text would not log in. Issued messages (EIP-4361 and the
 * JSON form) use LF line endings and have no byte-order mark and no trailing newline (the parser
 * rejects any CR), so CRLF is read as LF, and a leading BOM and one trailing line ending (LF, or
 * the CR that `$(cat file)` leaves of a CRLF) are dropped. A CR left after that is no line ending
 * of any editor: the text is refused rather than signed as something else.
 */
function toIssuedText(text: string): string {
  const issued = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').replace(/[\n\r]$/, '');
  if (issued.includes('\r')) {
    usage('invalid_message', 'the message has a carriage return (CR) that is not a line ending; an issued message has none, so it would not verify');
  }
  return issued;
}

/** All of stdin, decoded as UTF-8. */
async function readStdin(io: CliIo): Promise<string> {
  if (io.stdin === undefined) usage('usage', 'no standard input to read');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

function resolveBaseUrl(url: string): string {
  return formatBaseUrl(parseBaseUrl(url));
}

async function readSavedSessions(sessionFile: string): Promise<SessionFile> {
  try {
    return await readSessionFile({ path: sessionFile });
  } catch (error) {
    if (error instanceof SessionFileError) throw new CliError({ code: 'bad_session_file', message: error.message, exitCode: 1 });
    throw error;
  }
}

async function loadSession({ options, io }: { options: SessionOptions; io: CliIo }): Promise<{ baseUrl: string; sessionFile: string; session: WalletSession }> {
  const baseUrl = resolveBaseUrl(options.url);
  const sessionFile = options.sessionFile ?? defaultSessionFilePath({ homeDir: io.homeDir });
  const entry = (await readSavedSessions(sessionFile)).sessions[baseUrl];
  if (entry === undefined) {
    throw new CliError({ code: 'not_signed_in', message: `no saved session for ${baseUrl} (run wallet-login login)`, exitCode: 1 });
  }
  return { baseUrl, sessionFile, session: WalletSession.restore({ baseUrl, cookies: entry.cookies, address: entry.address }) };
}

async function saveSession({ sessionFile, session }: { sessionFile: string; session: WalletSession }): Promise<void> {
  const entry = { cookies: session.cookies, ...(session.address !== undefined && { address: session.address }) };
  await updateSessionFile({ path: sessionFile, baseUrl: session.baseUrl, entry });
}

function formatInfo({ baseUrl, info }: { baseUrl: string; info: SessionInfo }): Record<string, string> {
  return {
    url: baseUrl,
    address: info.address,
    createdAt: new Date(info.createdAt).toISOString(),
    expiresAt: new Date(info.expiresAt).toISOString(),
  };
}

function writeJson({ io, value }: { io: CliIo; value: unknown }): void {
  writeLine(io.stdout, JSON.stringify(value));
}

/**
 * Writes one line. What it holds may come from the server or a file, so its control and bidi
 * characters are escaped (a JSON line stays JSON): none of them reaches the terminal.
 */
function writeLine(stream: CliIo['stdout'], text: string): void {
  stream.write(`${escapeControlCharacters(text)}\n`);
}

/** Commander's multi-line text, escaped line by line. */
function escapeLines(text: string): string {
  return text.replace(/[^\n]+/g, (line) => escapeControlCharacters(line));
}

/** Prints `error: <code>: <message>` and returns the exit code. */
function report({ error, io }: { error: unknown; io: CliIo }): 1 | 2 {
  if (error instanceof CliError) {
    writeLine(io.stderr, `error: ${error.code}: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof WalletLoginError) {
    // The code and message may be the server's own.
    writeLine(io.stderr, `error: ${error.code}: ${error.message}`);
    // invalid_parameter is raised before anything is sent: the command line was wrong.
    return error.code === 'invalid_parameter' ? 2 : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(io.stderr, `error: ${redactHex(message)}`);
  return 1;
}

function usage(code: string, message: string): never {
  throw new CliError({ code, message, exitCode: 2 });
}

/** Masks runs of 32 or more hex digits: private keys (and anything that could be one). */
function redactHex(text: string): string {
  return text.replace(/(0x)?[0-9a-fA-F]{32,}/g, '[redacted]');
}

function readVersion(): string {
  // src/ under ts-jest, dist/ when built: package.json is one level up from either.
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return version;
}
