// Replay across instances: two API instances sharing Redis (challenges, sessions) and one user
// store, the same challenge posted 50 times in parallel, alternately to each: exactly one login.
// Needs the local Redis (fails, never skips, without it).

import request from 'supertest';
import { useRedisInstances } from '../support/redisInstances';
import { ADDRESS, Browser, KEY, snapshot } from './support';

/** An API instance on the shared Redis prefix and user file. */
const startInstance = useRedisInstances('replay');

test('two instances on Redis, the same challenge posted 50 times in parallel: exactly one 200 and one session', async () => {
  const a = await startInstance();
  const b = await startInstance({ publicOrigin: a.url });
  await a.stores.users.add(ADDRESS, 0);
  const browser = new Browser(a.url);
  const c = await browser.challenge(KEY);
  // The challenge and the pre-login session are in Redis, so both instances see them.
  expect(await snapshot(b.stores)).toMatchObject({ challenges: 1, sessions: 1, signedIn: { [ADDRESS]: 0 } });

  const cookie = browser.cookieHeader();
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => request((i % 2 === 0 ? a : b).url).post('/api/auth/login').set('Cookie', cookie).send({ sid: c.sid, signature: c.signature })),
  );
  const answers = results.map((res) => `${res.status} ${res.body?.address ?? res.body?.error?.code}`);
  expect(answers.filter((answer) => answer === `200 ${ADDRESS}`)).toHaveLength(1);
  expect(answers.filter((answer) => answer === '401 challenge_not_found')).toHaveLength(49);
  expect(await snapshot(a.stores)).toMatchObject({ challenges: 0, sessions: 1, signedIn: { [ADDRESS]: 1 } });

  // The winner's cookie is good on either instance.
  const winner = results.find((res) => res.status === 200) as request.Response;
  const signedIn = (winner.headers['set-cookie'] as unknown as string[]).map((line) => line.split(';')[0]).join('; ');
  for (const { url } of [a, b]) {
    const me = await request(url).get('/api/auth/me').set('Cookie', signedIn);
    expect({ status: me.status, address: me.body.address }).toEqual({ status: 200, address: ADDRESS });
  }
});
