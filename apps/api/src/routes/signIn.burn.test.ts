// A known sid is not enough to use a challenge up: login and register take a challenge only for
// the browser session it was issued to, so another session (or no session) posting a victim's
// sid, with whatever signature, leaves the victim's sign-in working.

import request from 'supertest';
import { privateKeyToAddress, signMessage, startTestServer, TEST_KEYS, type TestServer } from '@wallet-login/testkit';

const VICTIM_KEY = TEST_KEYS.alice;
const VICTIM = privateKeyToAddress(VICTIM_KEY);
const ATTACKER_KEY = TEST_KEYS.bob;

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
  await server.stores.users.add(VICTIM, server.clock.now());
});
afterEach(async () => {
  await server.close();
});

/** A challenge issued to `agent`'s session for the victim's address, and the victim's signature over it. */
async function issue(agent: request.Agent): Promise<{ sid: string; message: string; signature: string }> {
  const res = await agent.post('/api/auth/challenge').send({ address: VICTIM });
  expect(res.status).toBe(200);
  const { sid, message } = res.body as { sid: string; message: string };
  return { sid, message, signature: signMessage({ message, privateKey: VICTIM_KEY }) };
}

describe("posting a victim's sid from another session", () => {
  test.each([
    ['a session with challenges of its own', 'own'],
    ['a session that was never issued one', 'fresh'],
    ['no session at all', 'none'],
  ] as const)('from %s, with any signature, leaves the victim signing in', async (_name, kind) => {
    const victim = request.agent(server.url);
    const challenge = await issue(victim);
    const attacker = request.agent(server.url);
    if (kind === 'own') await issue(attacker);
    if (kind === 'fresh') expect((await attacker.get('/api/auth/me')).status).toBe(401);
    const post = kind === 'none' ? () => request(server.url) : () => attacker;

    const attackerSignature = signMessage({ message: challenge.message, privateKey: ATTACKER_KEY });
    const attempts = [
      // The attacker's own signature over the victim's message, with and without the message.
      { sid: challenge.sid, signature: attackerSignature },
      { sid: challenge.sid, signature: attackerSignature, message: challenge.message },
      // Even the victim's own signature (seen over a shoulder) is no use in another session.
      { sid: challenge.sid, signature: challenge.signature },
    ];
    for (const attempt of attempts) {
      for (const mode of ['login', 'register']) {
        const res = await post().post(`/api/auth/${mode}`).send(attempt);
        expect({ status: res.status, code: res.body?.error?.code }).toStrictEqual({ status: 401, code: 'challenge_not_found' });
      }
    }

    const login = await victim.post('/api/auth/login').send({ sid: challenge.sid, signature: challenge.signature });
    expect(login.status).toBe(200);
    expect(login.body).toStrictEqual({ address: VICTIM });
    expect((await victim.get('/api/auth/me')).body.address).toBe(VICTIM);
    expect((await attacker.get('/api/auth/me')).status).toBe(401);
  });

  test("an attacker's posts interleaved with the victim's login: only the victim's succeeds, once", async () => {
    const victim = request.agent(server.url);
    const challenge = await issue(victim);
    const attacker = request.agent(server.url);
    await issue(attacker);
    const body = { sid: challenge.sid, signature: challenge.signature };
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => attacker.post('/api/auth/login').send(body)),
      victim.post('/api/auth/login').send(body),
    ]);
    expect(results.map((res) => res.status)).toStrictEqual([...Array<number>(10).fill(401), 200]);
    expect((await victim.post('/api/auth/login').send(body)).status).toBe(401);
  });
});
