// The OpenID Connect provider against openid-client as the relying party, on the real server
// (serve(): the app on a port) over SQLite: discovery, the code flow with PKCE and a real
// wallet-login sign-in, the ID token verified against the JWKS, userinfo, refresh rotation,
// revocation, introspection, end-session, single sign-on, consent, and the refusals.
// The server's clock starts at the wall clock: oidc-provider reads the wall clock itself.

import { randomBytes } from 'node:crypto';
import { createTestClock, privateKeyToAddress, startServing, TEST_KEYS, type TestServing } from '@wallet-login/testkit';
import { createClient } from './clients';
import { OIDC_TTL } from './provider';
import { createBrowser, loadOpenIdClient, walkAuthorization, type InteractionView, type OpenIdClient } from '../../test/support/oidc';

const KEY = TEST_KEYS.alice;

const ADDRESS = privateKeyToAddress(KEY);
const REDIRECT = 'http://127.0.0.1:9/callback';
const LOGOUT_REDIRECT = 'http://127.0.0.1:9/signed-out';
const random = (n: number) => new Uint8Array(randomBytes(n));

let server: TestServing;
let oidc: OpenIdClient;
let issuer: URL;

/** Registers a client directly in the store (the CLI's own tests cover the CLI). */
async function registerClient(options: { public?: boolean; alg?: 'ES256' | 'RS256'; method?: 'client_secret_basic' | 'client_secret_post'; redirectUris?: string[] } = {}) {
  const { client, secret } = createClient(
    {
      name: 'Test App',
      redirectUris: options.redirectUris ?? [REDIRECT],
      postLogoutRedirectUris: [LOGOUT_REDIRECT],
      ...(options.public ? { public: true } : {}),
      ...(options.alg ? { idTokenSignedResponseAlg: options.alg } : {}),
      ...(options.method ? { tokenEndpointAuthMethod: options.method } : {}),
    },
    { random, now: server.clock.now() },
  );
  await server.stores.clients.add(client);
  return { clientId: client.clientId, secret };
}

/** openid-client's configuration for a client, from discovery (plain http allowed: a test server). */
async function configFor(clientId: string, secret?: string, method: 'basic' | 'post' = 'basic') {
  const auth = secret === undefined ? oidc.None() : method === 'basic' ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
  return oidc.discovery(issuer, clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

interface Started {
  url: string;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorizationRequest(config: Awaited<ReturnType<typeof configFor>>, params: Record<string, string> = {}): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url: url.href, verifier, state, nonce };
}

/** A full sign-in: a new browser, the authorization request, the wallet sign-in and consent; the tokens. */
async function signInFully(config: Awaited<ReturnType<typeof configFor>>, params: Record<string, string> = {}, browser = createBrowser()) {
  const started = await authorizationRequest(config, params);
  const callback = await walkAuthorization(browser, server.url, started.url, { privateKey: KEY });
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
  return { tokens, browser, started, callback };
}

beforeAll(async () => {
  oidc = await loadOpenIdClient();
  server = await startServing({ clock: createTestClock(Date.now()) });
  issuer = new URL(`${server.url}/oidc`);
});
afterAll(async () => {
  await server?.close();
});

describe('discovery', () => {
  test('the discovery document names the issuer, the endpoints under /oidc, code flow only, S256, ES256 and RS256, and secret-based client auth', async () => {
    const res = await fetch(`${server.url}/oidc/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as Record<string, unknown>;
    expect(document).toMatchObject({
      issuer: `${server.url}/oidc`,
      authorization_endpoint: `${server.url}/oidc/auth`,
      token_endpoint: `${server.url}/oidc/token`,
      userinfo_endpoint: `${server.url}/oidc/me`,
      jwks_uri: `${server.url}/oidc/jwks`,
      end_session_endpoint: `${server.url}/oidc/session/end`,
      introspection_endpoint: `${server.url}/oidc/token/introspection`,
      revocation_endpoint: `${server.url}/oidc/token/revocation`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
    });
    expect(document.id_token_signing_alg_values_supported).toEqual(['ES256', 'RS256']);
    expect([...(document.token_endpoint_auth_methods_supported as string[])].sort()).toEqual(['client_secret_basic', 'client_secret_post', 'none']);
    expect(document.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(document.grant_types_supported).not.toContain('implicit');
    expect(document.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'offline_access']));
  });

  test('the JWKS publishes one ES256 and one RS256 public key, with no private part', async () => {
    const { keys } = (await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).not.toHaveProperty('p');
      expect(typeof key.kid).toBe('string');
    }
  });
});

describe('the code flow', () => {
  test('code + PKCE: the ID token verifies against the JWKS with iss, aud, exp, nonce, sub, auth_time and amr; userinfo answers', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const views: InteractionView[] = [];
    const started = await authorizationRequest(config);
    const browser = createBrowser();
    const callback = await walkAuthorization(browser, server.url, started.url, { privateKey: KEY, onInteraction: (view) => views.push(view) });
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('state')).toBe(started.state);
    expect(views.map((view) => view.prompt)).toEqual(['login', 'consent']);
    expect(views[0]).toMatchObject({ client: { clientId, name: 'Test App', redirectUri: REDIRECT, redirectHost: '127.0.0.1:9' }, signatureRequired: true, signedIn: null, scopes: ['openid', 'profile'] });
    expect(views[1]).toMatchObject({ prompt: 'consent', missingScopes: ['openid', 'profile'], signedIn: { address: ADDRESS } });

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    const claims = tokens.claims()!;
    const now = Math.floor(Date.now() / 1000);
    expect(claims).toMatchObject({ iss: `${server.url}/oidc`, aud: clientId, nonce: started.nonce, sub: `eip155:1:${ADDRESS}`, amr: ['eoa'], preferred_username: ADDRESS });
    expect(claims.exp).toBeGreaterThan(now);
    expect(claims.exp).toBeLessThanOrEqual(now + OIDC_TTL.IdToken + 5);
    expect(typeof claims.auth_time).toBe('number');
    // ES256 by default: the header names one of the published keys.
    const [header] = tokens.id_token!.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'ES256' });

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toEqual({ sub: `eip155:1:${ADDRESS}`, preferred_username: ADDRESS });
  });

  test('a client that asks for RS256 gets RS256 ID tokens; client_secret_post authenticates too', async () => {
    const { clientId, secret } = await registerClient({ alg: 'RS256', method: 'client_secret_post' });
    const config = await configFor(clientId, secret, 'post');
    const { tokens } = await signInFully(config);
    const [header] = tokens.id_token!.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
  });

  test('a public client signs in with PKCE and no secret', async () => {
    const { clientId, secret } = await registerClient({ public: true });
    expect(secret).toBeUndefined();
    const { tokens } = await signInFully(await configFor(clientId));
    expect(tokens.claims()?.sub).toBe(`eip155:1:${ADDRESS}`);
  });

  test('offline_access with prompt=consent gives a refresh token, rotated on use: the old one is dead', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { tokens } = await signInFully(config, { scope: 'openid offline_access', prompt: 'consent' });
    const first = tokens.refresh_token!;
    expect(typeof first).toBe('string');
    const rotated = await oidc.refreshTokenGrant(config, first);
    expect(rotated.refresh_token).toBeDefined();
    expect(rotated.refresh_token).not.toBe(first);
    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Replaying the old one revoked the grant: the new one is dead as well (OAuth 2.0 Security BCP §4.14.2).
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('offline_access without prompt=consent is dropped: no refresh token', async () => {
    const { clientId, secret } = await registerClient();
    const { tokens } = await signInFully(await configFor(clientId, secret), { scope: 'openid offline_access' });
    expect(tokens.refresh_token).toBeUndefined();
  });

  test('introspection answers an authenticated client about its token; revocation kills it', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { tokens } = await signInFully(config);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, client_id: clientId, sub: `eip155:1:${ADDRESS}` });
    await oidc.tokenRevocation(config, tokens.access_token);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: false });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, `eip155:1:${ADDRESS}`)).rejects.toBeDefined();
  });

  test('introspection refuses a public client, and a wrong secret', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { tokens } = await signInFully(config);
    const publicClient = await registerClient({ public: true });
    await expect(oidc.tokenIntrospection(await configFor(publicClient.clientId), tokens.access_token)).rejects.toBeDefined();
    await expect(oidc.tokenIntrospection(await configFor(clientId, 'wrong-secret'), tokens.access_token)).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
