// The OpenID Connect provider on two API processes sharing Redis and PostgreSQL (as behind a
// proxy): an authorization code issued through one instance is redeemed exactly once, whichever
// instances the redemptions race to, and a replay on the other instance is refused.

import { randomBytes, createHash } from 'node:crypto';
import { TEST_KEY } from '@wallet-login/testkit';
import { loadConfig, systemClock } from '../../src/config';
import { createClient } from '../../src/oidc/clients';
import { openStores } from '../../src/stores/open';
import { createBrowser, walkAuthorization } from '../support/oidc';
import type { ApiProcess } from '../support/processes';
import { startTwoInstances, type TwoInstances } from './stores';

const REDIRECT = 'http://127.0.0.1:9/callback';

let deployment: TwoInstances;
let one: ApiProcess;
let two: ApiProcess;
let publicOrigin: string;
let client: { clientId: string; secret: string };

beforeAll(async () => {
  deployment = await startTwoInstances({
    prefix: 'wallet-login-oidc-instances-',
    // Registered as the clients CLI does, in the shared PostgreSQL.
    async prepare(env) {
      const opened = await openStores({ config: loadConfig(env), clock: systemClock });
      const created = createClient({ name: 'Two Instances', redirectUris: [REDIRECT] }, { random: (n) => new Uint8Array(randomBytes(n)), now: Date.now() });
      await opened.clients.add(created.client);
      await opened.close();
      client = { clientId: created.client.clientId, secret: created.secret! };
    },
  });
  ({ one, two, publicOrigin } = deployment);
}, 60_000);

afterAll(async () => {
  await deployment?.stop();
});

/** A code from a full sign-in through instance `one`, with its PKCE verifier. */
async function issueCode(): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'st', nonce: 'n',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const callback = await walkAuthorization(createBrowser(), one.url, `${one.url}/oidc/auth?${query}`, { privateKey: TEST_KEY, pageOrigin: publicOrigin });
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code: ${callback.href}`);
  return { code, verifier };
}

/** The token request for `code` at `instance` (client_secret_basic). */
function redeem(instance: ApiProcess, code: string, verifier: string): Promise<Response> {
  return fetch(`${instance.url}/oidc/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
  });
}

test('a code issued through one instance is redeemed on the other, once: a replay on the first is invalid_grant', async () => {
  const { code, verifier } = await issueCode();
  const first = await redeem(two, code, verifier);
  expect(first.status).toBe(200);
  const tokens = (await first.json()) as { id_token: string; access_token: string };
  const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString()) as { iss: string };
  expect(claims.iss).toBe(`${publicOrigin}/oidc`);
  const replay = await redeem(one, code, verifier);
  expect(replay.status).toBe(400);
  expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
});

test('of redemptions racing on both instances, exactly one gets tokens, every time', async () => {
  for (let round = 0; round < 5; round += 1) {
    const { code, verifier } = await issueCode();
    const answers = await Promise.all([one, two, one, two].map((instance) => redeem(instance, code, verifier)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(3);
  }
});
