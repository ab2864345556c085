// The OpenID Connect provider against openid-client as the relying party, on the real server
// (serve(): the app on a port) over SQLite: discovery, the code flow with PKCE and a real
// wallet-login sign-in, the ID token verified against the JWKS, userinfo, refresh rotation,
// revocation, introspection, end-session, single sign-on, consent, and the refusals.
// The server's clock starts at the wall clock: oidc-provider reads the wall clock itself.

import { randomBytes } from 'node:crypto';
import { createTestClock, eventually, privateKeyToAddress, signMessage, startServing, TEST_KEYS, type TestServing } from '@wallet-login/testkit';
import pino from 'pino';
import { createLocalSessionEvents } from '../events/local';
import { createClient } from './clients';
import { rotateSigningKeys } from './keys';
import { createOidc, KEY_REFRESH_MS, KEY_RETENTION_MS, OIDC_TTL } from './provider';
import { createBrowser, interactionUidOf, loadOpenIdClient, oauthError, signInWithKey, walkAuthorization, type InteractionView, type OpenIdClient } from '../../test/support/oidc';

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

  test('introspection tells a public client nothing, and refuses a wrong secret', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { tokens } = await signInFully(config);
    const publicClient = await registerClient({ public: true });
    // Not allowed to introspect (RFC 7662 §2.2: an answer that says nothing about the token).
    expect(await oidc.tokenIntrospection(await configFor(publicClient.clientId), tokens.access_token)).toEqual({ active: false });
    expect(await oauthError(oidc.tokenIntrospection(await configFor(clientId, 'wrong-secret'), tokens.access_token))).toBe('invalid_client');
  });
});

describe('refusals', () => {
  test.each([
    ['an unregistered redirect URI', 'http://127.0.0.1:9/elsewhere'],
    ['a trailing slash', `${REDIRECT}/`],
    ['an added query', `${REDIRECT}?next=/`],
    ['another port', 'http://127.0.0.1:10/callback'],
    ['another case of the path', 'http://127.0.0.1:9/Callback'],
    ['another host for the same address', 'http://localhost:9/callback'],
  ])('%s: a plain error page, no redirect, no stack trace', async (_name, redirectUri) => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const started = await authorizationRequest(config, { redirect_uri: redirectUri });
    const res = await createBrowser().fetch(started.url);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/style-src 'sha256-/);
    // The unchecked redirect URI is nowhere in the policy.
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self';");
    const html = await res.text();
    expect(html).toContain('redirect_uri');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });

  test('an unknown client gets the error page', async () => {
    const config = await configFor('no-such-client', 'x');
    const res = await createBrowser().fetch((await authorizationRequest(config)).url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid_client');
  });

  /** A new client's authorization walked through as KEY: its callback with a code, and the checks to redeem it. */
  async function issuedCode() {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const started = await authorizationRequest(config);
    const callback = await walkAuthorization(createBrowser(), server.url, started.url, { privateKey: KEY });
    const checks = { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce };
    return { config, callback, checks };
  }

  test('a code is redeemed once: a replay is invalid_grant and revokes the tokens it gave', async () => {
    const { config, callback, checks } = await issuedCode();
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    expect(await oauthError(oidc.authorizationCodeGrant(config, callback, checks))).toBe('invalid_grant');
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  test('of concurrent redemptions of one code, exactly one gets tokens', async () => {
    const { config, callback, checks } = await issuedCode();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => oidc.authorizationCodeGrant(config, callback, checks)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  test('a PKCE verifier that does not match is invalid_grant', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const started = await authorizationRequest(config);
    const callback = await walkAuthorization(createBrowser(), server.url, started.url, { privateKey: KEY });
    const wrong = oidc.randomPKCECodeVerifier();
    expect(await oauthError(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: wrong, expectedState: started.state, expectedNonce: started.nonce }))).toBe('invalid_grant');
  });

  test('a public client without PKCE is sent back with invalid_request', async () => {
    const { clientId } = await registerClient({ public: true });
    const config = await configFor(clientId);
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: 's1' });
    const res = await createBrowser().fetch(url.href);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'invalid_request', state: 's1' });
  });

  test('a wrong client secret at the token endpoint is invalid_client, and audited', async () => {
    const { clientId, secret } = await registerClient();
    const started = await authorizationRequest(await configFor(clientId, secret));
    const callback = await walkAuthorization(createBrowser(), server.url, started.url, { privateKey: KEY });
    const wrong = await configFor(clientId, 'not-the-secret');
    expect(await oauthError(oidc.authorizationCodeGrant(wrong, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce }))).toBe('invalid_client');
    await eventually(async () => {
      const entries = await server.stores.audit.query({ outcome: 'invalid_client' });
      expect(entries[0]).toMatchObject({ action: 'oidc_token', outcome: 'invalid_client', ip: '127.0.0.1' });
    });
  });

  test('an expired code is invalid_grant (its record expires on the server clock)', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const started = await authorizationRequest(config);
    const callback = await walkAuthorization(createBrowser(), server.url, started.url, { privateKey: KEY });
    const start = server.clock.now();
    server.clock.advance(OIDC_TTL.AuthorizationCode * 1000);
    try {
      expect(await oauthError(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce }))).toBe('invalid_grant');
    } finally {
      server.clock.set(start);
    }
  });

  test('prompt=none without a session answers login_required at the redirect URI, with the state', async () => {
    const { clientId, secret } = await registerClient();
    const started = await authorizationRequest(await configFor(clientId, secret), { prompt: 'none' });
    const res = await createBrowser().fetch(started.url);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'login_required', state: started.state });
  });

  test('prompt=none signed in but not yet allowed answers consent_required', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { browser } = await signInFully(config);
    const other = await registerClient();
    const started = await authorizationRequest(await configFor(other.clientId, other.secret), { prompt: 'none' });
    const location = new URL((await browser.fetch(started.url)).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('consent_required');
  });

  test('a client removed from the store is refused at once', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { tokens } = await signInFully(config);
    expect(await server.stores.clients.remove(clientId)).toBe(true);
    expect((await createBrowser().fetch((await authorizationRequest(config)).url)).status).toBe(400);
    expect(await oauthError(oidc.tokenIntrospection(config, tokens.access_token))).toBe('invalid_client');
  });
});

describe('single sign-on, consent and prompts', () => {
  test('a browser signed in on wallet-login signs in to another app without a signature', async () => {
    const first = await registerClient();
    const { browser } = await signInFully(await configFor(first.clientId, first.secret));
    const second = await registerClient();
    const config = await configFor(second.clientId, second.secret);
    const views: InteractionView[] = [];
    const started = await authorizationRequest(config);
    // Another key: had a signature been asked for, the account would be another one.
    const callback = await walkAuthorization(browser, server.url, started.url, { privateKey: TEST_KEYS.bob, onInteraction: (view) => views.push(view) });
    expect(views.map((view) => [view.prompt, view.signatureRequired])).toEqual([['consent', false]]);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    expect(tokens.claims()?.sub).toBe(`eip155:1:${ADDRESS}`);
  });

  test('signed in on wallet-login but new to the provider: the login step needs no signature', async () => {
    const { clientId, secret } = await registerClient();
    const browser = createBrowser();
    await signInWithKey(browser, server.url, KEY);
    const views: InteractionView[] = [];
    const started = await authorizationRequest(await configFor(clientId, secret));
    await walkAuthorization(browser, server.url, started.url, { privateKey: TEST_KEYS.bob, onInteraction: (view) => views.push(view) });
    expect(views.map((view) => [view.prompt, view.signatureRequired])).toEqual([['login', false], ['consent', false]]);
  });

  test('an Allow is remembered for the client and address: another browser signs in without the consent step', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    await signInFully(config);
    const views: InteractionView[] = [];
    const started = await authorizationRequest(config);
    await walkAuthorization(createBrowser(), server.url, started.url, { privateKey: KEY, onInteraction: (view) => views.push(view) });
    expect(views.map((view) => view.prompt)).toEqual(['login']);
  });

  test('Deny sends access_denied to the client and is not remembered', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const browser = createBrowser();
    const started = await authorizationRequest(config);
    const callback = await walkAuthorization(browser, server.url, started.url, { privateKey: KEY, allow: false });
    expect(Object.fromEntries(callback.searchParams)).toMatchObject({ error: 'access_denied', state: started.state });
    const views: InteractionView[] = [];
    await walkAuthorization(browser, server.url, (await authorizationRequest(config)).url, { privateKey: KEY, onInteraction: (view) => views.push(view) });
    expect(views.map((view) => view.prompt)).toEqual(['consent']);
  });

  test('prompt=login asks for a fresh signature: the session signed in before the request does not do', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { browser } = await signInFully(config);
    const started = await authorizationRequest(config, { prompt: 'login' });
    const location = (await browser.fetch(started.url)).headers.get('location')!;
    const uid = interactionUidOf(location)!;
    const view = (await (await browser.fetch(`${server.url}/api/oidc/interaction/${uid}`)).json()) as InteractionView;
    expect(view).toMatchObject({ prompt: 'login', signatureRequired: true, signedIn: { address: ADDRESS } });
    const refused = await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/login`, { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'reauthentication_required' } });
    // The request's time is the provider's wall clock: the server clock is brought past it, so
    // the new sign-in is after the request even at whole-second resolution.
    server.clock.set(Math.max(server.clock.now(), Date.now()) + 1000);
    await signInWithKey(browser, server.url, KEY);
    const accepted = await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/login`, { method: 'POST' });
    expect(accepted.status).toBe(200);
    const callback = await walkAuthorization(browser, server.url, ((await accepted.json()) as { redirectTo: string }).redirectTo, { privateKey: KEY });
    expect(callback.searchParams.get('code')).toBeTruthy();
  });

  test('max_age asks for a signature no older than it', async () => {
    const { clientId, secret } = await registerClient();
    const browser = createBrowser();
    await signInWithKey(browser, server.url, KEY);
    server.clock.advance(5000);
    const started = await authorizationRequest(await configFor(clientId, secret), { max_age: '2' });
    const uid = interactionUidOf((await browser.fetch(started.url)).headers.get('location')!)!;
    const view = (await (await browser.fetch(`${server.url}/api/oidc/interaction/${uid}`)).json()) as InteractionView;
    expect(view.signatureRequired).toBe(true);
    expect((await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/login`, { method: 'POST' })).status).toBe(401);
    await signInWithKey(browser, server.url, KEY);
    expect((await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/login`, { method: 'POST' })).status).toBe(200);
  });

  test('the interaction API refuses another uid than the cookie names, and a browser without the cookie', async () => {
    const { clientId, secret } = await registerClient();
    const browser = createBrowser();
    const started = await authorizationRequest(await configFor(clientId, secret));
    const uid = interactionUidOf((await browser.fetch(started.url)).headers.get('location')!)!;
    expect((await browser.fetch(`${server.url}/api/oidc/interaction/not-${uid}`)).status).toBe(404);
    expect((await createBrowser().fetch(`${server.url}/api/oidc/interaction/${uid}`)).status).toBe(404);
    // Not signed in: the login step cannot be completed.
    expect((await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/login`, { method: 'POST' })).status).toBe(401);
    // The consent body is strict.
    const bad = await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/consent`, { method: 'POST', body: { allow: 'yes' } });
    expect(bad.status).toBe(400);
  });

  test('the remembered Allows are listed and revocable; revoking kills the tokens and asks again', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { browser, tokens } = await signInFully(config);
    const listed = (await (await browser.fetch(`${server.url}/api/oidc/grants`)).json()) as { grants: Array<{ clientId: string; name: string; scopes: string[] }> };
    expect(listed.grants).toContainEqual(expect.objectContaining({ clientId, name: 'Test App', scopes: ['openid', 'profile'] }));
    expect((await browser.fetch(`${server.url}/api/oidc/grants/${clientId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await browser.fetch(`${server.url}/api/oidc/grants/${clientId}`, { method: 'DELETE' })).status).toBe(404);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    const views: InteractionView[] = [];
    await walkAuthorization(browser, server.url, (await authorizationRequest(config)).url, { privateKey: KEY, onInteraction: (view) => views.push(view) });
    expect(views.map((view) => view.prompt)).toEqual(['consent']);
  });
});

describe('logout', () => {
  test('end-session with id_token_hint and a registered post_logout_redirect_uri ends the wallet-login session too', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { browser, tokens } = await signInFully(config);
    expect((await browser.fetch(`${server.url}/api/auth/me`)).status).toBe(200);
    const endUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: LOGOUT_REDIRECT, state: 'bye' });
    const page = await browser.fetch(endUrl.href);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(`form-action 'self' http://127.0.0.1:9`);
    const html = await page.text();
    expect(html).toContain('Sign out of wallet-login?');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    const confirmed = await browser.fetch(`${server.url}/oidc/session/end/confirm`, { method: 'POST', form: { xsrf, logout: 'yes' } });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`${LOGOUT_REDIRECT}?state=bye`);
    expect((await browser.fetch(`${server.url}/api/auth/me`)).status).toBe(401);
    const again = await browser.fetch((await authorizationRequest(config, { prompt: 'none' })).url);
    expect(new URL(again.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  test('signing in as another account replaces the provider session, and the new wallet-login session stays', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { browser } = await signInFully(config);
    const started = await authorizationRequest(config, { prompt: 'login' });
    const uid = interactionUidOf((await browser.fetch(started.url)).headers.get('location')!)!;
    server.clock.set(Math.max(server.clock.now(), Date.now()) + 1000);
    await signInWithKey(browser, server.url, TEST_KEYS.bob);
    const login = await browser.fetch(`${server.url}/api/oidc/interaction/${uid}/login`, { method: 'POST' });
    expect(login.status).toBe(200);
    const callback = await walkAuthorization(browser, server.url, ((await login.json()) as { redirectTo: string }).redirectTo, { privateKey: TEST_KEYS.bob });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    expect(tokens.claims()?.sub).toBe(`eip155:1:${privateKeyToAddress(TEST_KEYS.bob)}`);
    expect(((await (await browser.fetch(`${server.url}/api/auth/me`)).json()) as { address: string }).address).toBe(privateKeyToAddress(TEST_KEYS.bob));
  });

  test('an unregistered post_logout_redirect_uri is refused', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { browser, tokens } = await signInFully(config);
    const endUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/elsewhere' });
    const page = await browser.fetch(endUrl.href);
    expect(page.status).toBe(400);
    expect((await browser.fetch(`${server.url}/api/auth/me`)).status).toBe(200);
  });

  test('signing out of wallet-login ends the provider session and revokes the tokens it gave', async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { browser, tokens } = await signInFully(config);
    expect((await browser.fetch(`${server.url}/api/auth/logout`, { method: 'POST' })).status).toBe(204);
    await eventually(async () => expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false }));
    const again = await browser.fetch((await authorizationRequest(config, { prompt: 'none' })).url);
    expect(new URL(again.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  test("signing out everywhere revokes the address's offline grants too", async () => {
    const { clientId, secret } = await registerClient();
    const config = await configFor(clientId, secret);
    const { tokens } = await signInFully(config, { scope: 'openid offline_access', prompt: 'consent' });
    const other = createBrowser();
    await signInWithKey(other, server.url, KEY);
    expect((await other.fetch(`${server.url}/api/auth/logout-all`, { method: 'POST' })).status).toBe(200);
    await eventually(async () => expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toBe('invalid_grant'));
  });
});

describe('the challenge resources of an interaction', () => {
  test("resourcesFor gives the interaction's redirect URI, and nothing for an unknown uid", async () => {
    const { clientId, secret } = await registerClient();
    const started = await authorizationRequest(await configFor(clientId, secret));
    const uid = interactionUidOf((await createBrowser().fetch(started.url)).headers.get('location')!)!;
    const events = createLocalSessionEvents();
    const provider = createOidc({
      config: server.config, stores: server.stores, clock: server.clock, logger: pino({ level: 'silent' }), events,
      session: { store: server.stores.sessions, clock: server.clock, random, events, cookieName: 'wl.sid', secure: false, idleMs: 60_000, absoluteMs: 120_000 },
    });
    expect(await provider.resourcesFor(uid)).toEqual([REDIRECT]);
    expect(await provider.resourcesFor('unknown')).toEqual([]);
    provider.close();
  });

  test('a challenge asked for with the interaction lists its redirect URI under Resources; an unknown uid, or none, lists nothing', async () => {
    const { clientId, secret } = await registerClient();
    const browser = createBrowser();
    const started = await authorizationRequest(await configFor(clientId, secret));
    const uid = interactionUidOf((await browser.fetch(started.url)).headers.get('location')!)!;
    const challenge = async (body: Record<string, string>): Promise<string> => {
      const res = await browser.fetch(`${server.url}/api/auth/challenge`, { method: 'POST', body });
      expect(res.status).toBe(200);
      return ((await res.json()) as { message: string }).message;
    };
    expect(await challenge({ interaction: 'unknown-interaction' })).not.toContain('Resources:');
    expect(await challenge({})).not.toContain('Resources:');
    const res = await browser.fetch(`${server.url}/api/auth/challenge`, { method: 'POST', body: { interaction: uid, address: ADDRESS } });
    const { sid, message } = (await res.json()) as { sid: string; message: string };
    expect(message.endsWith(`\nResources:\n- ${REDIRECT}`)).toBe(true);
    // Signed, it signs in like any other message.
    const signed = await browser.fetch(`${server.url}/api/auth/register`, { method: 'POST', body: { sid, signature: signMessage({ message, privateKey: KEY }) } });
    expect(await signed.json()).toEqual({ address: ADDRESS });
  });
});

describe('signing keys', () => {
  test('a rotation reaches the running server: the new keys sign, the old ones stay published until their tokens expire', async () => {
    const jwks = async () => ((await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: Array<{ kid: string; alg: string }> }).keys.map((key) => key.kid);
    const before = await jwks();
    const added = await rotateSigningKeys(server.stores.signingKeys, server.clock);
    server.clock.advance(KEY_REFRESH_MS);
    const during = await jwks();
    expect(during).toHaveLength(4);
    expect(during).toEqual(expect.arrayContaining([...before, ...added.map((key) => key.kid)]));
    // A new ID token is signed with the new ES256 key, and verifies.
    const { clientId, secret } = await registerClient();
    const { tokens } = await signInFully(await configFor(clientId, secret));
    const [header] = tokens.id_token!.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ kid: added.find((key) => key.alg === 'ES256')!.kid });
    server.clock.advance(KEY_RETENTION_MS);
    expect((await jwks()).sort()).toEqual(added.map((key) => key.kid).sort());
  });
});

describe('rate limits', () => {
  test('token requests past RATE_LIMIT_IP_PER_MINUTE get 429 with Retry-After, audited', async () => {
    const limited = await startServing({ clock: createTestClock(Date.now()), config: { rateLimitIpPerMinute: 2 } });
    try {
      const post = () =>
        fetch(`${limited.url}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('nobody:nothing').toString('base64')}` },
          body: 'grant_type=authorization_code&code=x&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback',
        });
      expect((await post()).status).toBe(401);
      expect((await post()).status).toBe(401);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
      await eventually(async () => {
        const outcomes = (await limited.stores.audit.query({})).filter((entry) => entry.action === 'oidc_token').map((entry) => entry.outcome);
        expect(outcomes.sort()).toEqual(['invalid_client', 'invalid_client', 'rate_limited']);
      });
    } finally {
      await limited.close();
    }
  });
});
