import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestClock } from '@wallet-login/testkit';
import { openSqliteStores } from '../stores/sqlite';
import { verifyClientSecret } from '../oidc/clients';
import { KEY_RETENTION_MS, loadOidcModule } from '../oidc/provider';
import { loadSigningKeys, publishedSigningKeys } from '../oidc/keys';
import { runClientsCli } from './clients';

const clock = createTestClock(Date.UTC(2026, 0, 1));
let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-clients-'));
  file = join(dir, 'db.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runClientsCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    openStores: () => openSqliteStores({ file, clock }),
    clock,
  });
  return { code, stdout, stderr };
}

async function stored() {
  const stores = openSqliteStores({ file, clock });
  try {
    return await stores.clients.list();
  } finally {
    await stores.close();
  }
}

describe('clients CLI', () => {
  test('add prints one JSON object with the id and the secret, shown once and stored hashed', async () => {
    const result = await run('add', '--name', 'Grafana', '--redirect-uri', 'https://grafana.example/login/generic_oauth', '--post-logout-redirect-uri', 'https://grafana.example/');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const printed = JSON.parse(result.stdout) as { client_id: string; client_secret: string };
    expect(Object.keys(printed).sort()).toEqual(['client_id', 'client_secret']);
    expect(printed.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [client] = await stored();
    expect(client).toMatchObject({
      clientId: printed.client_id, name: 'Grafana', redirectUris: ['https://grafana.example/login/generic_oauth'],
      postLogoutRedirectUris: ['https://grafana.example/'], tokenEndpointAuthMethod: 'client_secret_basic', idTokenSignedResponseAlg: 'ES256',
    });
    expect(client!.secretHash).not.toContain(printed.client_secret);
    expect(verifyClientSecret(client!.secretHash, printed.client_secret)).toBe(true);
    expect(verifyClientSecret(client!.secretHash, `${printed.client_secret}x`)).toBe(false);
  });

  test('add --public prints no secret; several redirect URIs and the options are kept', async () => {
    const result = await run('add', '--name', 'CLI', '--redirect-uri', 'http://127.0.0.1:8765/cb', '--redirect-uri', 'com.example.app:/cb', '--public', '--id-token-signed-response-alg', 'RS256');
    expect(result.code).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout) as object)).toEqual(['client_id']);
    expect((await stored())[0]).toMatchObject({ tokenEndpointAuthMethod: 'none', redirectUris: ['http://127.0.0.1:8765/cb', 'com.example.app:/cb'], idTokenSignedResponseAlg: 'RS256' });
    expect((await stored())[0]).not.toHaveProperty('secretHash');
  });

  test('list prints JSON lines without secrets; remove unregisters', async () => {
    const a = JSON.parse((await run('add', '--name', 'A', '--redirect-uri', 'https://a.example/cb')).stdout) as { client_id: string };
    clock.advance(1);
    await run('add', '--name', 'B', '--redirect-uri', 'https://b.example/cb', '--token-endpoint-auth-method', 'client_secret_post');
    const list = await run('list');
    const lines = list.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.name)).toEqual(['A', 'B']);
    expect(lines[1]).toMatchObject({ token_endpoint_auth_method: 'client_secret_post' });
    expect(list.stdout).not.toMatch(/secret"|secretHash|hash/i);
    expect(await run('remove', a.client_id)).toEqual({ code: 0, stdout: `removed ${a.client_id}\n`, stderr: '' });
    expect((await stored()).map((client) => client.name)).toEqual(['B']);
  });

  test.each([
    ['no redirect URI', ['add', '--name', 'X'], /redirect-uri/],
    ['no name', ['add', '--redirect-uri', 'https://x.example/cb'], /--name/],
    ['an empty name', ['add', '--name', ' ', '--redirect-uri', 'https://x.example/cb'], /--name must be 1 to 100 characters/],
    ['a relative redirect URI', ['add', '--name', 'X', '--redirect-uri', '/cb'], /not an absolute URI/],
    ['a redirect URI with a fragment', ['add', '--name', 'X', '--redirect-uri', 'https://x.example/cb#f'], /fragment/],
    ['plain http off loopback', ['add', '--name', 'X', '--redirect-uri', 'http://x.example/cb'], /must be https/],
    ['a javascript: URI', ['add', '--name', 'X', '--redirect-uri', 'javascript:alert(1)'], /must be https/],
    ['--public with an auth method', ['add', '--name', 'X', '--redirect-uri', 'https://x.example/cb', '--public', '--token-endpoint-auth-method', 'client_secret_post'], /do not go together/],
    ['an unknown algorithm', ['add', '--name', 'X', '--redirect-uri', 'https://x.example/cb', '--id-token-signed-response-alg', 'HS256'], /expected one of ES256, RS256/],
    ['an unknown client to remove', ['remove', 'nope'], /no such client/],
    ['an unknown command', ['frobnicate'], /unknown command/],
  ])('refuses %s: one clear line, exit code 1, nothing stored', async (_name, argv, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(await stored()).toEqual([]);
  });

  test('rotate-keys adds a key of each algorithm; the old ones stay published until the retention has passed, then go', async () => {
    const stores = openSqliteStores({ file, clock });
    const first = await loadSigningKeys(stores.signingKeys, clock);
    await stores.close();
    clock.advance(1000);
    const rotated = await run('rotate-keys');
    expect(rotated.code).toBe(0);
    const { added, removed } = JSON.parse(rotated.stdout) as { added: Array<{ kid: string; alg: string }>; removed: string[] };
    expect(added.map((key) => key.alg)).toEqual(['ES256', 'RS256']);
    expect(removed).toEqual([]);
    const reopened = openSqliteStores({ file, clock });
    const keys = await reopened.signingKeys.list();
    await reopened.close();
    // The new keys sign (first of their algorithm); the old ones are still published.
    const published = publishedSigningKeys(keys, clock.now(), KEY_RETENTION_MS).map((key) => key.kid);
    expect(published).toEqual([added[0]!.kid, first.find((key) => key.alg === 'ES256')!.kid, added[1]!.kid, first.find((key) => key.alg === 'RS256')!.kid]);
    expect(publishedSigningKeys(keys, clock.now() + KEY_RETENTION_MS, KEY_RETENTION_MS).map((key) => key.kid)).toEqual(added.map((key) => key.kid));
    // A later rotation past the retention deletes the retired ones.
    clock.advance(KEY_RETENTION_MS);
    const again = JSON.parse((await run('rotate-keys')).stdout) as { removed: string[] };
    expect(again.removed.sort()).toEqual(first.map((key) => key.kid).sort());
  });

  test('oidc-provider loads (the test runner has ESM support on)', async () => {
    const { default: Provider } = await loadOidcModule();
    expect(typeof Provider).toBe('function');
  });
});
