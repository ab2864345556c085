// The two login flows the benchmarks drive, and the timed measurement of a batch of logins.
// wallet-login: POST /api/auth/challenge → sign → POST /api/auth/login → GET /api/auth/me.
// The reference stand-in: GET /nonce → build the EIP-4361 message and sign → POST /verify → GET /me.
// Signing is off the clock: a batch first issues its challenges (timed), then signs them all
// (untimed, libsecp256k1), then logs in and reads /me (timed). logins/s = logins ÷ (time of the
// challenge phase + time of the login phase); a login's latency = its challenge request + its
// login request + its /me request. The server's CPU time per login is read from /proc.
import { performance } from 'node:perf_hooks';
import { SiweMessage } from 'siwe';
import { CookieJar, createAgent, createKey, expectStatus, request, runConcurrently, sign, treeCpuMs } from './lib.mjs';

/** The keys that sign in (each registered once per wallet-login server by walletFlow.setUp). */
export const KEYS = Array.from({ length: 64 }, (_, i) => createKey(i));
/** Each phase of a batch stops issuing new requests after this long. */
const PHASE_LIMIT_MS = 30_000;

/** wallet-login: POST /api/auth/challenge → sign → POST /api/auth/login → GET /api/auth/me. */
export const walletFlow = {
  async setUp(server) {
    // Every key is registered once, through the same challenge flow.
    const agent = createAgent(8);
    await runConcurrently({
      count: KEYS.length, concurrency: 8, deadline: Infinity,
      task: async (i) => {
        const jar = new CookieJar();
        // Registering needs a challenge that names the address.
        const { sid, message } = expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/challenge', json: { address: KEYS[i].address }, jar }), 200, 'challenge');
        const signature = sign(message, KEYS[i]);
        const res = await request({ agent, port: server.port, method: 'POST', path: '/api/auth/register', json: { sid, signature }, jar });
        if (res.status !== 201 && res.status !== 200) expectStatus(res, 201, 'register');
      },
    });
    agent.destroy();
  },
  async issue(agent, server) {
    const jar = new CookieJar();
    const { sid, message } = expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/challenge', json: {}, jar }), 200, 'challenge');
    return { jar, sid, message };
  },
  prepare(issued, key) {
    issued.signature = sign(issued.message, key);
  },
  async complete(agent, server, issued, key) {
    expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/login', json: { sid: issued.sid, signature: issued.signature }, jar: issued.jar }), 200, 'login');
    const me = expectStatus(await request({ agent, port: server.port, method: 'GET', path: '/api/auth/me', jar: issued.jar }), 200, 'me');
    if (me.address !== key.address) throw new Error(`/me answered ${me.address}, expected ${key.address}`);
  },
};

/** The reference stand-in: GET /nonce → build the EIP-4361 message and sign → POST /verify → GET /me. */
export const referenceFlow = {
  async setUp() {},
  async issue(agent, server) {
    const jar = new CookieJar();
    const nonce = expectStatus(await request({ agent, port: server.port, method: 'GET', path: '/nonce', jar }), 200, 'nonce');
    return { jar, nonce };
  },
  prepare(issued, key, server) {
    // As the siwe quickstart's client does, with the nonce the server gave.
    issued.message = new SiweMessage({
      domain: `127.0.0.1:${server.port}`, address: key.address, statement: 'Sign in with Ethereum to the reference stand-in.',
      uri: server.baseUrl, version: '1', chainId: 1, nonce: issued.nonce, issuedAt: new Date().toISOString(),
    }).prepareMessage();
    issued.signature = sign(issued.message, key);
  },
  async complete(agent, server, issued, key) {
    expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/verify', json: { message: issued.message, signature: issued.signature }, jar: issued.jar }), 200, 'verify');
    const me = expectStatus(await request({ agent, port: server.port, method: 'GET', path: '/me', jar: issued.jar }), 200, 'me');
    if (me.address !== key.address) throw new Error(`/me answered ${me.address}, expected ${key.address}`);
  },
};

/** The floor (bench/reference/floor.mjs): wallet-login's three requests, with no user list to register in. */
export const floorFlow = { ...walletFlow, async setUp() {} };

/** The ceiling row (bench/reference/bare-http.mjs): the same three requests, answered with no work. */
export const bareFlow = {
  async setUp() {},
  issue: walletFlow.issue,
  prepare: walletFlow.prepare,
  async complete(agent, server, issued) {
    expectStatus(await request({ agent, port: server.port, method: 'POST', path: '/api/auth/login', json: { sid: issued.sid, signature: issued.signature }, jar: issued.jar }), 200, 'login');
    expectStatus(await request({ agent, port: server.port, method: 'GET', path: '/api/auth/me', jar: issued.jar }), 200, 'me');
  },
};

/**
 * `count` logins by `concurrency` clients in two timed phases with the signing between them;
 * returns logins/s and latency percentiles. Each phase stops issuing after `limitMs`.
 */
export async function measureLogins({ flow, server, concurrency, count, limitMs = PHASE_LIMIT_MS }) {
  const agent = createAgent(concurrency);
  const logins = new Array(count);
  let serverCpuMs = 0;
  let cpuAt = treeCpuMs(server.pid);
  const startIssue = performance.now();
  const issuedCount = await runConcurrently({
    count, concurrency, deadline: startIssue + limitMs,
    task: async (i) => {
      const t = performance.now();
      logins[i] = await flow.issue(agent, server);
      logins[i].ms = performance.now() - t;
    },
  });
  const issueMs = performance.now() - startIssue;
  serverCpuMs += treeCpuMs(server.pid) - cpuAt;

  for (let i = 0; i < issuedCount; i++) flow.prepare(logins[i], KEYS[i % KEYS.length], server);

  cpuAt = treeCpuMs(server.pid);
  const startLogin = performance.now();
  const done = await runConcurrently({
    count: issuedCount, concurrency, deadline: startLogin + limitMs,
    task: async (i) => {
      const t = performance.now();
      await flow.complete(agent, server, logins[i], KEYS[i % KEYS.length]);
      logins[i].ms += performance.now() - t;
    },
  });
  const loginMs = performance.now() - startLogin;
  serverCpuMs += treeCpuMs(server.pid) - cpuAt;
  agent.destroy();

  const latencies = logins.slice(0, done).map((login) => login.ms).sort((a, b) => a - b);
  const pct = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    concurrency, logins: done, perSecond: done / ((issueMs + loginMs) / 1000), p50: pct(0.5), p99: pct(0.99),
    // The server's own CPU time (all its processes) per login: unlike logins/s, it hardly depends
    // on what else the machine is running.
    cpuMsPerLogin: serverCpuMs / done,
  };
}

