// GET /api/config: the public facts the sign-in page reads before it draws anything.

import { startTestServer } from '@wallet-login/testkit';

test('answers the domain, URI, chain, registration, developer mode, challenge formats and where return_to may go, uncached', async () => {
  const server = await startTestServer({
    registration: 'closed',
    config: { chainId: 11155111, devKeySignIn: true, challengeFormats: ['siwe', 'json'], allowedOrigins: ['https://app.example.com'], cookieDomain: 'example.com' },
  });
  try {
    const res = await fetch(`${server.url}/api/config`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    await expect(res.json()).resolves.toEqual({
      domain: new URL(server.url).host,
      uri: server.url,
      chainId: 11155111,
      registration: 'closed',
      devKeySignIn: true,
      challengeFormats: ['siwe', 'json'],
      returnOrigins: [server.url, 'https://app.example.com'],
      cookieDomain: 'example.com',
    });
  } finally {
    await server.close();
  }
});

test('developer mode and the JSON challenge form are off and registration open by default', async () => {
  const server = await startTestServer({ publicOrigin: 'https://login.example.com' });
  try {
    const res = await fetch(`${server.url}/api/config`);
    await expect(res.json()).resolves.toEqual({
      domain: 'login.example.com',
      uri: 'https://login.example.com',
      chainId: 1,
      registration: 'open',
      devKeySignIn: false,
      challengeFormats: ['siwe'],
      returnOrigins: ['https://login.example.com'],
      cookieDomain: null,
    });
    const post = await fetch(`${server.url}/api/config`, { method: 'POST' });
    expect(post.status).toBe(405);
    await expect(post.json()).resolves.toMatchObject({ error: { code: 'method_not_allowed' } });
  } finally {
    await server.close();
  }
});
