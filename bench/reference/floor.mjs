// THE FLOOR, NOT A LOGIN SERVER: the least any login can do on this product's own stack — Koa 3 +
// koa-router + koa-session, a sid from the CSPRNG, the challenge kept in a Map, native recovery,
// regenerate() at sign-in and the address in the session. It keeps nothing (sessions and
// challenges in process memory, lost at exit) and checks nothing beyond recovering the signer:
// no freshness, no domain, no user list, no rate limits, no audit, no session list.
// bench/login.mjs runs it beside wallet-login so each configuration reads as a fraction of it.
//   PORT=8092 node bench/reference/floor.mjs
import { randomBytes } from 'node:crypto';
import Koa from 'koa';
import Router from 'koa-router';
import session from 'koa-session';
import { createSiweMessage, parseSignature } from '@wallet-login/challenge';
import { loadRecoverAddress } from '@wallet-login/challenge/native';

const port = Number(process.env.PORT ?? 8092);
const { recover } = loadRecoverAddress();
const challenges = new Map();
const sessions = new Map();

const app = new Koa({ keys: ['floor benchmark key, bench only'] });
app.use(
  session(
    {
      key: 'floor.sid',
      maxAge: 3_600_000,
      httpOnly: true,
      sameSite: 'lax',
      genid: () => randomBytes(32).toString('base64url'),
      store: {
        get: (id) => sessions.get(id),
        set: (id, data) => void sessions.set(id, data),
        destroy: (id) => void sessions.delete(id),
      },
    },
    app,
  ),
);

const readJson = (ctx) =>
  new Promise((resolve, reject) => {
    let text = '';
    ctx.req.setEncoding('utf8');
    ctx.req.on('data', (chunk) => (text += chunk));
    ctx.req.on('end', () => resolve(text ? JSON.parse(text) : {}));
    ctx.req.on('error', reject);
  });

const router = new Router();
router.get('/healthz', (ctx) => {
  ctx.body = { status: 'ok' };
});
router.post('/api/auth/challenge', async (ctx) => {
  await readJson(ctx);
  const sid = randomBytes(18).toString('base64url').replace(/[-_]/g, 'A');
  const timestamp = Date.now();
  const message = createSiweMessage({
    domain: ctx.host, address: '0x0000000000000000000000000000000000000000', uri: `http://${ctx.host}`, version: '1', chainId: 1,
    nonce: sid, issuedAt: new Date(timestamp).toISOString(), statement: 'Sign in with your Ethereum account.',
  });
  challenges.set(sid, message);
  ctx.session.sid = sid;
  ctx.body = { sid, timestamp, message };
});
router.post('/api/auth/login', async (ctx) => {
  const { sid, signature } = await readJson(ctx);
  const message = challenges.get(sid);
  challenges.delete(sid);
  if (message === undefined) ctx.throw(401);
  const address = recover(message, parseSignature(signature));
  await ctx.session.regenerate();
  ctx.session.address = address;
  ctx.body = { address };
});
router.get('/api/auth/me', (ctx) => {
  if (!ctx.session.address) ctx.throw(401);
  ctx.body = { address: ctx.session.address };
});
app.use(router.routes());

const server = app.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
