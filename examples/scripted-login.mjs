// Scripted sign-in with the SDK: register (or find registered), sign in, read /me, sign out.
// Run against a server: WALLET_LOGIN_URL=http://localhost:8080 WALLET_LOGIN_KEY=0x… node examples/scripted-login.mjs
import { register, signIn } from '@wallet-login/client';

const baseUrl = process.env.WALLET_LOGIN_URL ?? 'http://localhost:8080';
const privateKey = process.env.WALLET_LOGIN_KEY; // a test key, never a real one

// First time (REGISTRATION=open): register, which also signs in.
const { session: first, created } = await register({ baseUrl, privateKey });
console.log(`${first.address} ${created ? 'registered' : 'was already registered'}`);
await first.logout();

// Any time after: sign in, use the session, sign out.
const session = await signIn({ baseUrl, privateKey }); // format: 'siwe' (default) or 'json'
const me = await session.me();
console.log(`${me.address} signed in until ${new Date(me.expiresAt).toISOString()}`);
const res = await session.fetch('/api/auth/me'); // carries the session cookie
console.log(`GET /api/auth/me → ${res.status}`);
await session.logout(); // the session is deleted on the server
console.log(`after logout: ${(await session.fetch('/api/auth/me')).status}`);
