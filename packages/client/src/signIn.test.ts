import { randomBytes } from 'node:crypto';
import { createChallengeMessage } from '@wallet-login/challenge';
import { register, signIn } from './signIn';
import { privateKeyToAddress, startTestServer, useTestServer } from '@wallet-login/testkit';
import { rejection } from '../test/support';
import { WalletSession } from './WalletSession';

const newKey = (): string => `0x${randomBytes(32).toString('hex')}`;


describe('before anything is sent', () => {
  test('an invalid key is invalid_parameter, nothing is sent, and the key is not in the message', async () => {
    const requests: unknown[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      requests.push(input);
      return new Response(null, { status: 500 });
    };
    const key = `0x${'ab'.repeat(31)}`;
    const error = await rejection(signIn({ baseUrl: 'http://127.0.0.1:1', privateKey: key, fetch }));
    expect(error).toMatchObject({ code: 'invalid_parameter', status: undefined });
    expect(error.message).not.toContain(key.slice(2));
    expect(requests).toEqual([]);
  });

  test('an unknown format is invalid_parameter', async () => {
    const error = await rejection(signIn({ baseUrl: 'http://127.0.0.1:1', privateKey: newKey(), format: 'xml' as 'json' }));
    expect(error.code).toBe('invalid_parameter');
  });
});

describe('refusing to sign', () => {
  /** A fake server that issues `message` for sid `sid` and records whether anyone tried to log in. */
  function issuing({ sid, message }: { sid: string; message: string }): { fetch: typeof globalThis.fetch; paths: string[] } {
    const paths: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      paths.push(new URL(String(input)).pathname);
      return Response.json({ sid, timestamp: 0, expiresAt: 300_000, format: 'siwe', message });
    };
    return { fetch, paths };
  }
  const siwe = (overrides: { domain?: string; address?: string; sid?: string }): string =>
    createChallengeMessage({
      format: 'siwe',
      challenge: { sid: overrides.sid ?? 'abcdefgh12345678', timestamp: 0 },
      domain: overrides.domain ?? '127.0.0.1:1',
      uri: 'http://127.0.0.1:1',
      chainId: 1,
      expiresAt: 300_000,
      address: overrides.address,
    });

  test('a challenge that names another address', async () => {
    const { fetch, paths } = issuing({ sid: 'abcdefgh12345678', message: siwe({ address: privateKeyToAddress(newKey()) }) });
    const error = await rejection(signIn({ baseUrl: 'http://127.0.0.1:1', privateKey: newKey(), fetch }));
    expect(error).toMatchObject({ code: 'challenge_mismatch', message: 'the challenge message names another address' });
    expect(paths).toEqual(['/api/auth/challenge']);
  });

  test('a challenge whose nonce is not its sid', async () => {
    const { fetch } = issuing({ sid: 'zzzzzzzz12345678', message: siwe({}) });
    expect(await rejection(signIn({ baseUrl: 'http://127.0.0.1:1', privateKey: newKey(), fetch }))).toMatchObject({
      code: 'challenge_mismatch',
      message: 'the challenge message is for another sid',
    });
  });

  test('text that is not a challenge message at all', async () => {
    const { fetch } = issuing({ sid: 'abcdefgh12345678', message: 'Transfer all my tokens' });
    const error = await rejection(signIn({ baseUrl: 'http://127.0.0.1:1', privateKey: newKey(), fetch }));
    expect(error.code).toBe('challenge_mismatch');
    expect(error.message).toMatch(/^the challenge message is malformed: first line must be /);
  });
});

describe('against the API', () => {
  // The JSON form is issued only where CHALLENGE_FORMATS lists it (development tooling).
  const server = useTestServer({ config: { challengeFormats: ['siwe', 'json'] } });

  test('register → me → logout → me is unauthenticated, and the old cookies are dead', async () => {
    const privateKey = newKey();
    const address = privateKeyToAddress(privateKey);
    const { session, created } = await register({ baseUrl: server.url, privateKey });
    expect(created).toBe(true);
    expect(session.address).toBe(address);
    // koa-session signed cookies: the id and its .sig.
    expect(Object.keys(session.cookies).sort()).toEqual(['wl.sid', 'wl.sid.sig']);

    const info = await session.me();
    expect(info).toEqual({ address, method: 'eoa', createdAt: server.clock.now(), expiresAt: server.clock.now() + 86_400_000 });

    const saved = session.cookies;
    await session.logout();
    expect(session.cookies).toEqual({});
    expect(await rejection(session.me())).toMatchObject({ status: 401, code: 'unauthenticated' });

    const replayed = WalletSession.restore({ baseUrl: server.url, cookies: saved });
    expect(await rejection(replayed.me())).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  test('registering an address that is registered already signs in with created false', async () => {
    const privateKey = newKey();
    await register({ baseUrl: server.url, privateKey });
    const { session, created } = await register({ baseUrl: server.url, privateKey });
    expect(created).toBe(false);
    expect((await session.me()).address).toBe(privateKeyToAddress(privateKey));
  });

  test('signIn of an unregistered key fails with address_not_registered', async () => {
    const error = await rejection(signIn({ baseUrl: server.url, privateKey: newKey() }));
    expect(error).toMatchObject({ status: 403, code: 'address_not_registered' });
  });

  test('signIn of a registered key gets a new session, not the one register made', async () => {
    const privateKey = newKey();
    const { session: first } = await register({ baseUrl: server.url, privateKey });
    const second = await signIn({ baseUrl: server.url, privateKey });
    expect(second.cookies['wl.sid']).not.toBe(first.cookies['wl.sid']);
    expect((await second.me()).address).toBe(privateKeyToAddress(privateKey));
    expect((await first.me()).address).toBe(privateKeyToAddress(privateKey));
  });

  test('the JSON format registers and signs in', async () => {
    const privateKey = newKey();
    const { created } = await register({ baseUrl: server.url, privateKey, format: 'json' });
    expect(created).toBe(true);
    const session = await signIn({ baseUrl: server.url, privateKey, format: 'json' });
    expect((await session.me()).address).toBe(privateKeyToAddress(privateKey));
  });

  test('a session idle past the idle timeout is unauthenticated', async () => {
    const session = (await register({ baseUrl: server.url, privateKey: newKey() })).session;
    server.clock.advance(86_400_000);
    expect(await rejection(session.me())).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});

describe('against an API with registration closed', () => {
  test('register fails with registration_closed', async () => {
    const server = await startTestServer({ registration: 'closed' });
    try {
      const error = await rejection(register({ baseUrl: server.url, privateKey: newKey() }));
      expect(error).toMatchObject({ status: 403, code: 'registration_closed' });
    } finally {
      await server.close();
    }
  });
});

describe('against an API whose public origin is not the URL it is reached on', () => {
  const server = useTestServer({ publicOrigin: 'http://login.example' });

  test('refuses to sign a challenge for another domain (EIP-4361 §Security Considerations)', async () => {
    const error = await rejection(register({ baseUrl: server.url, privateKey: newKey() }));
    expect(error.code).toBe('challenge_mismatch');
    expect(error.message).toBe(`the challenge message is for login.example, not ${new URL(server.url).host} (set domain to accept it)`);
  });

  test('signs it when told the domain to expect', async () => {
    const privateKey = newKey();
    const { session } = await register({ baseUrl: server.url, privateKey, domain: 'login.example' });
    expect((await session.me()).address).toBe(privateKeyToAddress(privateKey));
  });
});
