// NOT A LOGIN SERVER: node:http answering the three requests of a login (challenge, login, me)
// with canned JSON and a cookie, doing no work at all. bench/login.mjs runs it as the ceiling of
// what this machine and the load generator can carry, so the other rows can be read against it.
//   PORT=8091 node bench/reference/bare-http.mjs
import http from 'node:http';

const port = Number(process.env.PORT ?? 8091);
const CHALLENGE = JSON.stringify({ sid: 'bare0000000000000000000000', message: 'bare' });
const ADDRESS = JSON.stringify({ address: '0x0000000000000000000000000000000000000000' });

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    if (req.url === '/healthz') return res.end('{"status":"ok"}');
    if (req.url === '/api/auth/challenge') {
      res.setHeader('Set-Cookie', 'bare.sid=pre; path=/; httponly; samesite=lax');
      return res.end(CHALLENGE);
    }
    if (req.url === '/api/auth/login') {
      res.setHeader('Set-Cookie', 'bare.sid=post; path=/; httponly; samesite=lax');
      return res.end(ADDRESS);
    }
    res.end(ADDRESS);
  });
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
