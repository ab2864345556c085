// A contract wallet signs in to another app through the OpenID Connect provider: a wallet of the
// project's factory on a local chain (anvil), signed in on wallet-login (ERC-1271 deployed, or
// ERC-6492 not yet), then openid-client's authorization code flow through that browser. The ID
// token's amr says how the address proved itself. The server's clock starts at the wall clock:
// oidc-provider reads the wall clock itself.

import { randomBytes } from 'node:crypto';
import {
  TEST_KEYS, createTestClock, deployFactory, deployWallet, privateKeyToAddress, signMessage, startServing, useAnvil, walletAddress,
  wrapErc6492Signature, type TestServing,
} from '@wallet-login/testkit';
import { createContractWalletVerifier } from '../../src/chain';
import { createClient } from '../../src/oidc/clients';
import { createBrowser, loadOpenIdClient, walkAuthorization, type Browser, type OpenIdClient } from '../support/oidc';

const CHAIN_ID = 84532;
const REDIRECT = 'http://127.0.0.1:9/callback';
type Address = `0x${string}`;
const owner = privateKeyToAddress(TEST_KEYS.alice) as Address;

const anvil = useAnvil({ chainId: CHAIN_ID });
let factory: Address;
let server: TestServing;
let oidc: OpenIdClient;

beforeAll(async () => {
  oidc = await loadOpenIdClient();
  factory = await deployFactory(anvil);
  const contractWallets = createContractWalletVerifier({ rpcUrls: [{ chainId: CHAIN_ID, url: anvil.url }], timeoutMs: 3000 });
  await contractWallets.start();
  server = await startServing({ clock: createTestClock(Date.now()), config: { chainId: CHAIN_ID }, contractWallets });
});
afterAll(async () => {
  await server?.close();
});

/** Signs `browser` in on wallet-login as `wallet`, with the owner's signature made by `sign`. */
async function signInAsWallet(browser: Browser, wallet: Address, sign: (message: string) => string): Promise<void> {
  const challenge = await browser.fetch(`${server.url}/api/auth/challenge`, { method: 'POST', body: { address: wallet } });
  const { sid, message } = (await challenge.json()) as { sid: string; message: string };
  const res = await browser.fetch(`${server.url}/api/auth/register`, { method: 'POST', body: { sid, signature: sign(message) } });
  expect(res.status).toBe(201);
}

/** The ID token's claims for `browser` (signed in already) through a new client. */
async function idTokenClaims(browser: Browser) {
  const { client, secret } = createClient({ name: 'Wallet App', redirectUris: [REDIRECT] }, { random: (n) => new Uint8Array(randomBytes(n)), now: server.clock.now() });
  await server.stores.clients.add(client);
  const config = await oidc.discovery(new URL(`${server.url}/oidc`), client.clientId, undefined, oidc.ClientSecretBasic(secret!), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT, scope: 'openid profile', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce,
  });
  // Signed in already: no signature is asked for (had one been, the key pair would sign in instead).
  const callback = await walkAuthorization(browser, server.url, url.href, { privateKey: TEST_KEYS.bob });
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce });
  return tokens.claims()!;
}

test('a deployed contract wallet (ERC-1271): its address is the subject, amr erc1271', async () => {
  const wallet = await deployWallet(anvil, { factory, owner, salt: 1n });
  const browser = createBrowser();
  await signInAsWallet(browser, wallet, (message) => signMessage({ message, privateKey: TEST_KEYS.alice }));
  expect(await idTokenClaims(browser)).toMatchObject({ sub: `eip155:${CHAIN_ID}:${wallet}`, preferred_username: wallet, amr: ['erc1271'] });
});

test('a contract wallet not yet deployed (ERC-6492): amr erc6492, and still not deployed', async () => {
  const spec = { factory, owner, salt: 2n };
  const wallet = await walletAddress(anvil, spec);
  const browser = createBrowser();
  await signInAsWallet(browser, wallet, (message) => wrapErc6492Signature({ ...spec, signature: signMessage({ message, privateKey: TEST_KEYS.alice }) }));
  expect(await idTokenClaims(browser)).toMatchObject({ sub: `eip155:${CHAIN_ID}:${wallet}`, amr: ['erc6492'] });
  expect(await anvil.codeAt(wallet)).toBe('0x');
});
