// The README's scripted-login example, run as a user would run it (node, the built SDK) against a
// live server.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { privateKeyToAddress, TEST_KEY, useTestServer } from '@wallet-login/testkit';

const ADDRESS = privateKeyToAddress(TEST_KEY);
const ROOT = join(__dirname, '..', '..', '..');

const server = useTestServer();

test('examples/scripted-login.mjs registers, signs in, reads /me and signs out', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'examples', 'scripted-login.mjs')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, WALLET_LOGIN_URL: server.url, WALLET_LOGIN_KEY: TEST_KEY },
  });
  expect(stdout.split('\n')).toEqual([
    `${ADDRESS} registered`,
    `${ADDRESS} signed in until ${new Date(server.clock.now() + 86_400_000).toISOString()}`,
    'GET /api/auth/me → 200',
    'after logout: 401',
    '',
  ]);
});
