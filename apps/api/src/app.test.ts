// The app as a whole, through supertest against createApp on a real SQLite file: health, one
// router (case-sensitive paths, no-store everywhere, 405s with Allow), and bad input and
// cross-site requests, whichever route they are sent to. The routes' own behaviour is tested beside
// them (routes/signIn.test.ts, routes/sessions.test.ts).

import request from 'supertest';
import { Client, closeApps, expectError, ORIGIN, register, setup } from '../test/support/app';

afterEach(closeApps);

describe('GET /healthz', () => {
  test('answers 200', async () => {
    const res = await request(setup().server).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('routing', () => {
  test.each([
    ['/API/auth/logout', '/API/auth/challenge'],
    ['/api/AUTH/logout', '/api/AUTH/challenge'],
    ['/api/auth/Logout', '/api/auth/Challenge'],
  ])('paths match case-sensitively: POST %s is 404 and no guard is skipped', async (logout, challenge) => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    const before = await h.stores.challenges.count();
    expectError(await client.post(logout, undefined, { Origin: 'https://evil.test' }), 404, 'not_found');
    expectError(await client.post(challenge, {}, { Origin: 'https://evil.test' }), 404, 'not_found');
    expect(await h.stores.challenges.count()).toBe(before);
    expectError(await client.get('/API/auth/me'), 404, 'not_found');
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  test.each([
    ['GET', '/healthz'], ['GET', '/readyz'], ['GET', '/api/config'], ['GET', '/api/openapi.json'], ['GET', '/api/ws'], ['GET', '/api/auth/me'],
    ['POST', '/api/auth/challenge'], ['POST', '/api/auth/logout'], ['GET', '/nope'], ['GET', '/api/nope'],
  ])('%s %s is not stored by caches', async (method, path) => {
    const { server } = setup();
    const res = method === 'GET' ? await request(server).get(path) : await request(server).post(path);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test.each([
    ['POST', '/healthz', ['GET', 'HEAD']],
    ['DELETE', '/readyz', ['GET', 'HEAD']],
    ['POST', '/api/config', ['GET', 'HEAD']],
    ['POST', '/api/openapi.json', ['GET', 'HEAD']],
    ['DELETE', '/api/ws', ['GET', 'HEAD']],
    ['GET', '/api/auth/challenge', ['POST']],
    ['POST', '/api/auth/sessions/abc', ['DELETE']],
  ])('%s %s is 405 method_not_allowed with Allow', async (method, path, allowed) => {
    const { server } = setup();
    const res = await request(server)[method === 'POST' ? 'post' : method === 'DELETE' ? 'delete' : 'get'](path);
    expectError(res, 405, 'method_not_allowed');
    expect(String(res.headers.allow).split(', ').sort()).toEqual([...allowed].sort());
  });
});

describe('bad input and cross-site requests', () => {
  test.each([
    ['invalid JSON', '{"sid":', 'application/json', 400, 'invalid_request'],
    ['a JSON array', '[1,2]', 'application/json', 400, 'invalid_request'],
    ['a JSON scalar', '"hello"', 'application/json', 400, 'invalid_request'],
    ['JSON null', 'null', 'application/json', 400, 'invalid_request'],
    ['wrong types', '{"sid":1,"signature":true}', 'application/json', 400, 'invalid_request'],
    ['a missing signature', '{"sid":"AAAAAAAAAAAAAAAAAAAAAAAA"}', 'application/json', 400, 'invalid_request'],
    ['a sid with punctuation', `{"sid":"../../etc","signature":"0x${'1'.repeat(130)}"}`, 'application/json', 400, 'invalid_request'],
    ['a urlencoded form', 'sid=a&signature=b', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['text/plain', '{"sid":"a"}', 'text/plain', 415, 'unsupported_media_type'],
    ['a non-UTF-8 charset', '{}', 'application/json; charset=latin1', 415, 'unsupported_media_type'],
  ])('login with %s → %i %s', async (_name, body, type, status, code) => {
    const h = setup();
    const res = await request(h.server).post('/api/auth/login').set('Content-Type', type).send(body);
    expectError(res, status, code);
  });

  test.each(['application/json; charset=UTF-8', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json; charset=UTF8', 'Application/JSON; Charset=Utf-8'])(
    'a UTF-8 body declared as %s is read (RFC 9110 §8.3.2: charset names are case-insensitive)',
    async (type) => {
      const res = await request(setup().server).post('/api/auth/challenge').set('Content-Type', type).send('{"format":"siwe"}');
      expect(res.status).toBe(200);
      expect(res.body.format).toBe('siwe');
    },
  );

  test('a 2 MB body is 413 payload_too_large', async () => {
    const res = await request(setup().server).post('/api/auth/login').set('Content-Type', 'application/json').send(`{"sid":"${'a'.repeat(2 * 1024 * 1024)}"}`);
    expectError(res, 413, 'payload_too_large');
  });

  test('unknown paths are 404 not_found and wrong methods 405 method_not_allowed', async () => {
    const h = setup();
    expectError(await request(h.server).get('/api/nope'), 404, 'not_found');
    expectError(await request(h.server).get('/nope'), 404, 'not_found');
    const res = await request(h.server).get('/api/auth/login');
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toContain('POST');
  });

  test.each([
    ['a foreign Origin', { Origin: 'https://evil.test' }],
    ['a look-alike Origin', { Origin: 'http://localhost:8080.evil.test' }],
    ['Origin null', { Origin: 'null' }],
    ['Sec-Fetch-Site cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'Sec-Fetch-Site': 'same-site' }],
  ])('a state-changing request with %s is 403 origin_forbidden and changes nothing', async (_name, headers) => {
    const h = setup();
    await register(h);
    const client = new Client(h.server);
    await client.signIn();
    expectError(await client.post('/api/auth/logout', undefined, headers), 403, 'origin_forbidden');
    expectError(await client.post('/api/auth/challenge', {}, headers), 403, 'origin_forbidden');
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  test('same-origin and allowlisted browsers, and clients with neither header, may post', async () => {
    const h = setup({ allowedOrigins: [ORIGIN, 'https://admin.example.test'] });
    const cases: Array<Record<string, string>> = [{ Origin: ORIGIN }, { Origin: 'https://admin.example.test' }, { 'Sec-Fetch-Site': 'same-origin' }, {}];
    for (const headers of cases) {
      expect((await new Client(h.server).post('/api/auth/challenge', {}, headers)).status).toBe(200);
    }
  });

  test('CORS grants credentials to allowlisted origins only', async () => {
    const h = setup({ allowedOrigins: [ORIGIN, 'https://admin.example.test'] });
    const allowed = await request(h.server).get('/api/auth/me').set('Origin', 'https://admin.example.test');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.test');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    for (const origin of ['https://evil.test', 'https://admin.example.test.evil.test', 'null', 'http://admin.example.test']) {
      const res = await request(h.server).get('/api/auth/me').set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    }
    const preflight = await request(h.server).options('/api/auth/login').set('Origin', 'https://admin.example.test').set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
  });

  test('a store failure is a 500 internal_error that says nothing internal', async () => {
    const h = setup({}, (stores) => ({
      ...stores,
      challenges: { ...stores.challenges, put: async () => { throw new Error('disk on fire at /var/lib/secret'); } },
    }));
    const res = await request(h.server).post('/api/auth/challenge').send({});
    expectError(res, 500, 'internal_error');
    expect(res.text).not.toContain('disk on fire');
  });
});
