// REFERENCE STAND-IN, NOT PART OF THE PRODUCT: a Sign-In with Ethereum server written the usual
// way (express + express-session with its default MemoryStore + the `siwe` package, which
// verifies with ethers), as in the siwe quickstart. bench/login.mjs and bench/memory.mjs run it
// beside wallet-login to print ratios from the same run. It is deliberately plain and favourable
// to itself: sessions in process memory (no store round trip), no user list, no rate limits,
// no audit log, no session id rotation at login.
//   PORT=8090 node bench/reference/server.mjs
import express from 'express';
import session from 'express-session';
import { SiweMessage, generateNonce } from 'siwe';

const port = Number(process.env.PORT ?? 8090);
const app = express();
app.use(express.json());
app.use(
  session({
    name: 'siwe-reference',
    secret: 'reference stand-in secret, bench only',
    resave: false,
    saveUninitialized: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: false },
  }),
);

app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));

app.get('/nonce', (req, res) => {
  req.session.nonce = generateNonce();
  res.type('text/plain').send(req.session.nonce);
});

app.post('/verify', async (req, res) => {
  try {
    if (!req.body?.message) return res.status(422).json({ message: 'Expected a message.' });
    const message = new SiweMessage(req.body.message);
    const { data: fields } = await message.verify({ signature: req.body.signature, nonce: req.session.nonce });
    req.session.siwe = fields;
    req.session.nonce = undefined;
    req.session.save(() => res.json({ address: fields.address }));
  } catch (error) {
    req.session.siwe = undefined;
    req.session.nonce = undefined;
    req.session.save(() => res.status(401).json({ message: error?.error?.type ?? String(error) }));
  }
});

app.get('/me', (req, res) => {
  if (!req.session.siwe) return res.status(401).json({ message: 'You have to sign in first.' });
  res.json({ address: req.session.siwe.address });
});

const server = app.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
