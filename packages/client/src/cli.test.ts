import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createJsonChallengeMessage, privateKeyToAddress } from '@wallet-login/challenge';
import { freePort, TEST_KEY, useTestServer } from '@wallet-login/testkit';
import { run, type CliIo } from './cli';
import { register } from './signIn';
import { signMessage } from './signMessage';
import { WalletSession } from './WalletSession';

const SIWE_MESSAGE = [
  'login.example.com wants you to sign in with your Ethereum account:',
  '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23',
  '',
  'Sign in with your Ethereum account.',
  '',
  'URI: https://login.example.com',
  'Version: 1',
  'Chain ID: 1',
  'Nonce: abcdefgh12345678',
  'Issued At: 2026-01-01T00:00:00.000Z',
  'Expiration Time: 2026-01-01T00:05:00.000Z',
].join('\n');

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'wallet-login-cli-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output; `stdin` is the text standard input holds. */
async function cli(argv: string[], { env = {}, stdin }: { env?: Record<string, string>; stdin?: string } = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    homeDir: home,
  };
  if (stdin !== undefined) io.stdin = Readable.from([Buffer.from(stdin, 'utf8')]);
  const code = await run(argv, io);
  return { code, stdout, stderr };
}


describe('sign', () => {
  test('prints only the signature, the same one signMessage makes', async () => {
    expect(await cli(['sign', '--key', TEST_KEY, '--message', 'hello'])).toEqual({
      code: 0,
      stdout: `${signMessage({ message: 'hello', privateKey: TEST_KEY })}\n`,
      stderr: '',
    });
  });

  test('--message - reads a multi-line EIP-4361 message from stdin, less one trailing newline', async () => {
    const result = await cli(['sign', '--key', TEST_KEY, '--message', '-'], { stdin: `${SIWE_MESSAGE}\n` });
    expect(result).toEqual({ code: 0, stdout: `${signMessage({ message: SIWE_MESSAGE, privateKey: TEST_KEY })}\n`, stderr: '' });
  });

  describe('signs exactly the issued text, whatever line endings the copy has', () => {
    const expected = (): string => `${signMessage({ message: SIWE_MESSAGE, privateKey: TEST_KEY })}\n`;
    const crlf = SIWE_MESSAGE.replace(/\n/g, '\r\n');

    test.each([
      ['CRLF line endings and a trailing CRLF (a file saved on Windows)', `${crlf}\r\n`],
      ['CRLF line endings and no trailing newline', crlf],
      ['a UTF-8 byte-order mark and CRLF (Notepad)', `\ufeff${crlf}\r\n`],
      ['LF and no trailing newline', SIWE_MESSAGE],
    ])('--message - with %s', async (_name, stdin) => {
      expect(await cli(['sign', '--key', TEST_KEY, '--message', '-'], { stdin })).toEqual({ code: 0, stdout: expected(), stderr: '' });
    });

    test('--message "$(cat message.txt)" of a CRLF file, which keeps the last CR', async () => {
      expect(await cli(['sign', '--key', TEST_KEY, '--message', `${crlf}\r`])).toEqual({ code: 0, stdout: expected(), stderr: '' });
    });

    test('a carriage return that is not a line ending is refused, with exit 2 and nothing signed', async () => {
      for (const stdin of [SIWE_MESSAGE.replace('\n', '\r'), `${SIWE_MESSAGE}\r\r\n`]) {
        expect(await cli(['sign', '--key', TEST_KEY, '--message', '-'], { stdin })).toEqual({
          code: 2,
          stdout: '',
          stderr: 'error: invalid_message: the message has a carriage return (CR) that is not a line ending; an issued message has none, so it would not verify\n',
        });
      }
    });

    test('only one trailing newline is dropped: a text that ends in a blank line keeps one', async () => {
      const result = await cli(['sign', '--key', TEST_KEY, '--message', '-'], { stdin: 'hello\r\n\r\n' });
      expect(result.stdout).toBe(`${signMessage({ message: 'hello\n', privateKey: TEST_KEY })}\n`);
    });

    test('--help says how the text is read', async () => {
      const help = (await cli(['--help'])).stdout.replace(/\s+/g, ' ');
      expect(help).toContain('CRLF line endings are read as LF');
      expect(help).toContain('one trailing line ending');
      expect(help).toContain('any other carriage return is refused');
    });
  });

  test('--challenge-json signs the message field of a challenge response', async () => {
    const response = JSON.stringify({ sid: 'abcdefgh12345678', timestamp: 1767225600000, expiresAt: 1767225900000, format: 'siwe', message: SIWE_MESSAGE });
    const result = await cli(['sign', '--key', TEST_KEY, '--challenge-json', response]);
    expect(result.stdout).toBe(`${signMessage({ message: SIWE_MESSAGE, privateKey: TEST_KEY })}\n`);
  });

  test('--challenge-json without a message signs the canonical JSON form, timestamp as a number or string', async () => {
    const expected = `${signMessage({ message: createJsonChallengeMessage({ sid: 'abcdefgh12345678', timestamp: 1767225600000 }), privateKey: TEST_KEY })}\n`;
    for (const timestamp of [1767225600000, '1767225600000']) {
      const result = await cli(['sign', '--key', TEST_KEY, '--challenge-json', JSON.stringify({ sid: 'abcdefgh12345678', timestamp })]);
      expect(result).toEqual({ code: 0, stdout: expected, stderr: '' });
    }
  });

  test('--challenge-json - reads the challenge from stdin', async () => {
    const result = await cli(['sign', '--key', TEST_KEY, '--challenge-json', '-'], { stdin: JSON.stringify({ message: 'from stdin' }) });
    expect(result.stdout).toBe(`${signMessage({ message: 'from stdin', privateKey: TEST_KEY })}\n`);
  });

  test('takes the key from WALLET_LOGIN_KEY, or the variable --key-env names', async () => {
    const expected = `${signMessage({ message: 'hi', privateKey: TEST_KEY })}\n`;
    expect((await cli(['sign', '--message', 'hi'], { env: { WALLET_LOGIN_KEY: TEST_KEY } })).stdout).toBe(expected);
    expect((await cli(['sign', '--message', 'hi', '--key-env', 'MY_KEY'], { env: { MY_KEY: TEST_KEY } })).stdout).toBe(expected);
  });

  test('needs exactly one of --message and --challenge-json (exit 2)', async () => {
    expect((await cli(['sign', '--key', TEST_KEY])).code).toBe(2);
    const both = await cli(['sign', '--key', TEST_KEY, '--message', 'a', '--challenge-json', '{}']);
    expect(both).toMatchObject({ code: 2, stdout: '' });
    expect(both.stderr).toMatch(/exactly one of --message or --challenge-json/);
  });

  test('a --challenge-json that is not a challenge is exit 2', async () => {
    for (const json of ['not json', '{}', '{"sid":"abcdefgh12345678","timestamp":-1}']) {
      const result = await cli(['sign', '--key', TEST_KEY, '--challenge-json', json]);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toMatch(/^error: invalid_challenge: /);
    }
  });
});

describe('private keys', () => {
  test('a missing key is a clear message and exit 2', async () => {
    const result = await cli(['sign', '--message', 'hi']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'error: missing_key: no private key: set WALLET_LOGIN_KEY, or pass --key-env NAME or --key HEX\n' });
    const named = await cli(['login', '--key-env', 'NOPE']);
    expect(named).toEqual({ code: 2, stdout: '', stderr: 'error: missing_key: environment variable NOPE is not set or empty\n' });
  });

  test('an invalid key is exit 2 and the key appears in no output', async () => {
    const bad = `0x${'ab'.repeat(31)}zz`;
    for (const [argv, env] of [
      [['sign', '--key', bad, '--message', 'hi'], {}],
      [['sign', '--message', 'hi'], { WALLET_LOGIN_KEY: bad }],
      [['login', '--url', 'http://127.0.0.1:1', '--key', bad], {}],
    ] as const) {
      const result = await cli([...argv], { env });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('error: invalid_key: the private key must be 64 hex digits (32 bytes), with or without 0x\n');
      expect(result.stdout + result.stderr).not.toContain(bad.slice(2, 40));
    }
  });

  test('a mistyped option holding the key does not echo it', async () => {
    const result = await cli(['login', `--kye=${TEST_KEY}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--kye=\[redacted\]'/);
    expect(result.stdout + result.stderr).not.toContain(TEST_KEY.slice(2, 34));
  });

  test('--key and --key-env together are exit 2', async () => {
    expect((await cli(['sign', '--key', TEST_KEY, '--key-env', 'X', '--message', 'hi'])).code).toBe(2);
  });
});

describe('usage', () => {
  test('--help prints the usage on stdout and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: wallet-login \[options\] \[command\]/);
    for (const command of ['sign', 'login', 'whoami', 'logout']) expect(result.stdout).toContain(`  ${command} [options]`);
  });

  test('an unknown command or a bad --format is exit 2', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['login', '--key', TEST_KEY, '--format', 'xml'])).code).toBe(2);
  });

  test('a --url that is not an http(s) base URL is exit 2', async () => {
    const result = await cli(['login', '--key', TEST_KEY, '--url', 'ftp://example.com']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'error: invalid_parameter: baseUrl must be an http or https URL\n' });
  });

  test('--url defaults to WALLET_LOGIN_URL', async () => {
    const result = await cli(['whoami'], { env: { WALLET_LOGIN_URL: 'https://login.example.com/' } });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: not_signed_in: no saved session for https://login.example.com (run wallet-login login)\n' });
  });
});

describe('without a server', () => {
  test('login to a server that is not there is exit 1 with error: network_error', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(['login', '--url', url], { env: { WALLET_LOGIN_KEY: TEST_KEY } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: network_error: cannot reach ${url}: ECONNREFUSED\n`);
  });

  test('whoami without a saved session is exit 1; logout without one is a no-op', async () => {
    expect((await cli(['whoami', '--url', 'http://127.0.0.1:9'])).code).toBe(1);
    expect(await cli(['logout', '--url', 'http://127.0.0.1:9'])).toEqual({ code: 0, stdout: 'not signed in to http://127.0.0.1:9\n', stderr: '' });
  });
});

describe('what the server sends is printed with control characters escaped', () => {
  /** A server that answers every request with `status` and `body`. */
  async function answering(status: number, body: unknown): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  test("an error's code and message with C1, ESC and bidi characters reach stderr escaped", async () => {
    const server = await answering(400, { error: { code: 'bad\u009b2J', message: 'no \u001b[31mred\u001b[0m \u202etxt.exe\r\nerror: forged' } });
    try {
      const result = await cli(['login', '--url', server.url, '--key', TEST_KEY]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`${String.raw`error: bad\u009b2J: no \u001b[31mred\u001b[0m \u202etxt.exe\u000d\u000aerror: forged`}\n`);
    } finally {
      await server.close();
    }
  });
});

describe('against the API', () => {
  // The JSON form is issued only where CHALLENGE_FORMATS lists it (development tooling).
  const server = useTestServer({ config: { challengeFormats: ['siwe', 'json'] } });

  const newKey = (): string => `0x${randomBytes(32).toString('hex')}`;
  const sessionFile = (): string => join(home, '.wallet-login', 'session.json');
  const savedCookies = (): Record<string, string> =>
    (JSON.parse(readFileSync(sessionFile(), 'utf8')) as { sessions: Record<string, { cookies: Record<string, string> }> }).sessions[server.url]?.cookies ?? {};

  test('login --register → whoami → logout, with the session file 0600 in a 0700 directory', async () => {
    const key = newKey();
    const address = privateKeyToAddress(key);
    const env = { WALLET_LOGIN_KEY: key, WALLET_LOGIN_URL: server.url };
    const expires = new Date(server.clock.now() + 86_400_000).toISOString();

    expect(await cli(['login', '--register'], { env })).toEqual({
      code: 0,
      stdout: `registered and signed in to ${server.url} as ${address}\nsession expires ${expires}\n`,
      stderr: '',
    });
    expect(statSync(sessionFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.wallet-login')).mode & 0o777).toBe(0o700);
    expect(Object.keys(savedCookies()).sort()).toEqual(['wl.sid', 'wl.sid.sig']);

    expect(await cli(['whoami'], { env: { WALLET_LOGIN_URL: server.url } })).toEqual({ code: 0, stdout: `${address}\nsession expires ${expires}\n`, stderr: '' });

    const cookies = savedCookies();
    expect(await cli(['logout', '--url', server.url])).toEqual({ code: 0, stdout: `signed out of ${server.url}\n`, stderr: '' });
    expect(() => statSync(sessionFile())).toThrow();
    await expect(WalletSession.restore({ baseUrl: server.url, cookies }).me()).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(await cli(['whoami', '--url', server.url])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: not_signed_in: /) });
  });

  test('login and whoami --json print machine-readable output; --session-file is honoured', async () => {
    const key = newKey();
    const file = join(home, 'elsewhere', 'sessions.json');
    const login = await cli(['login', '--url', server.url, '--key', key, '--register', '--format', 'json', '--json', '--session-file', file]);
    expect(login.code).toBe(0);
    const expected = {
      url: server.url,
      address: privateKeyToAddress(key),
      createdAt: new Date(server.clock.now()).toISOString(),
      expiresAt: new Date(server.clock.now() + 86_400_000).toISOString(),
    };
    expect(JSON.parse(login.stdout)).toEqual({ ...expected, created: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const whoami = await cli(['whoami', '--url', `${server.url}/`, '--json', '--session-file', file]);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toEqual(expected);
  });

  test('login of an unregistered key is exit 1 with the server code and message', async () => {
    const result = await cli(['login', '--url', server.url], { env: { WALLET_LOGIN_KEY: newKey() } });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: address_not_registered: This address is not registered here.\n' });
    expect(() => statSync(sessionFile())).toThrow();
  });

  test('whoami with a session the server has ended is exit 1 unauthenticated', async () => {
    const env = { WALLET_LOGIN_KEY: newKey(), WALLET_LOGIN_URL: server.url };
    await cli(['login', '--register'], { env });
    await WalletSession.restore({ baseUrl: server.url, cookies: savedCookies() }).logout();
    expect(await cli(['whoami'], { env })).toEqual({ code: 1, stdout: '', stderr: 'error: unauthenticated: Not signed in.\n' });
  });

  test('the signature sign prints, pasted into the login request with the challenge message, logs in', async () => {
    const key = newKey();
    await register({ baseUrl: server.url, privateKey: key });

    // What the web page does: get a challenge, show its message, take a pasted signature.
    for (const format of ['siwe', 'json'] as const) {
      const page = WalletSession.restore({ baseUrl: server.url, cookies: {} });
      const challengeResponse = await page.fetch('/api/auth/challenge', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ format }),
      });
      const challenge = (await challengeResponse.json()) as { sid: string; message: string };

      const byJson = await cli(['sign', '--key', key, '--challenge-json', JSON.stringify(challenge)]);
      const byStdin = await cli(['sign', '--key', key, '--message', '-'], { stdin: `${challenge.message}\n` });
      expect(byStdin.stdout).toBe(byJson.stdout);
      // The same message saved on Windows (CRLF) signs the same text.
      const byCrlf = await cli(['sign', '--key', key, '--message', '-'], { stdin: `${challenge.message.replace(/\n/g, '\r\n')}\r\n` });
      expect(byCrlf).toEqual({ code: 0, stdout: byJson.stdout, stderr: '' });

      const login = await page.fetch('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sid: challenge.sid, signature: byJson.stdout.trim(), message: challenge.message }),
      });
      expect(login.status).toBe(200);
      expect(await login.json()).toEqual({ address: privateKeyToAddress(key) });
      expect((await page.me()).address).toBe(privateKeyToAddress(key));
    }
  });
});
