// Built-in HTTPS: the generated development certificate (EC P-256, SANs, reuse and renewal),
// TLS_CERT/TLS_KEY files, and the app over TLS (Secure __Host- cookie, HSTS, wss).

import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCookieHeader, register } from '@wallet-login/client';
import { connectLiveSession, fetchTrusting, liveSessionUrl, startServing, TEST_KEY, TEST_START_TIME } from '@wallet-login/testkit';
import { HSTS } from '../middleware/securityHeaders';
import { createSelfSignedCertificate, ensureSelfSigned, loadTlsCredentials, SELF_SIGNED_BASE_HOSTS, type TlsCredentials } from './tls';

const DAY = 24 * 3600 * 1000;
const NOW = TEST_START_TIME;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-login-tls-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the self-signed certificate', () => {
  test('is EC P-256 over SHA-256, names the hosts (DNS and IP), serves TLS only, and matches its key', async () => {
    const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1', '::1', 'a.example.test'], now: NOW });
    const x509 = new X509Certificate(cert);
    expect(x509.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:a.example.test');
    expect(x509.checkHost('a.example.test')).toBe('a.example.test');
    expect(x509.checkHost('b.example.test')).toBeUndefined();
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extKeyUsage serverAuth
    expect(Date.parse(x509.validFrom)).toBe(Math.floor((NOW - 60_000) / 1000) * 1000);
    expect(Date.parse(x509.validTo)).toBe(Math.floor((NOW + 365 * DAY) / 1000) * 1000);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    // node:crypto does not tell the signature algorithm; openssl does.
    writeFileSync(join(dir, 'cert.pem'), cert);
    const { stdout } = await promisify(execFile)('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'cert.pem')]);
    expect(stdout).toContain('Signature Algorithm: ecdsa-with-SHA256');
  });

  test('is written once (key mode 0600) and reused while valid and naming every host', async () => {
    const first = await ensureSelfSigned({ dir, hosts: SELF_SIGNED_BASE_HOSTS, now: NOW });
    expect(statSync(join(dir, 'self-signed.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'self-signed.crt'), 'utf8')).toBe(first.cert);
    const again = await ensureSelfSigned({ dir, hosts: SELF_SIGNED_BASE_HOSTS, now: NOW + 300 * DAY });
    expect(again).toEqual(first);
  });

  test('is replaced when a host is missing, when it nears its end, and when the files are damaged', async () => {
    const first = await ensureSelfSigned({ dir, hosts: ['localhost'], now: NOW });
    const wider = await ensureSelfSigned({ dir, hosts: ['localhost', 'b.example.test'], now: NOW });
    expect(wider.cert).not.toBe(first.cert);
    expect(new X509Certificate(wider.cert).checkHost('b.example.test')).toBe('b.example.test');

    const renewed = await ensureSelfSigned({ dir, hosts: ['localhost'], now: NOW + 340 * DAY });
    expect(renewed.cert).not.toBe(wider.cert);
    expect(Date.parse(new X509Certificate(renewed.cert).validTo)).toBeGreaterThan(NOW + 700 * DAY);

    writeFileSync(join(dir, 'self-signed.crt'), 'not a certificate');
    const repaired = await ensureSelfSigned({ dir, hosts: ['localhost'], now: NOW });
    expect(new X509Certificate(repaired.cert).checkHost('localhost')).toBe('localhost');
  });

  test('TLS=self-signed names localhost, 127.0.0.1, ::1 and the hosts of the public and allowed origins', async () => {
    const credentials = await loadTlsCredentials({
      tls: { mode: 'self-signed' },
      dataDir: dir,
      origins: ['https://a.example.test:8443', 'https://b.example.test:8443'],
      clock: { now: () => NOW },
    });
    const x509 = new X509Certificate(credentials!.cert);
    for (const host of ['localhost', 'a.example.test', 'b.example.test']) expect(x509.checkHost(host)).toBe(host);
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
    expect(await loadTlsCredentials({ tls: { mode: 'off' }, dataDir: dir, origins: [], clock: { now: () => NOW } })).toBeUndefined();
  });
});

describe('TLS_CERT and TLS_KEY', () => {
  test('are read, and refused with a plain message when missing or not a pair', async () => {
    const pair = await createSelfSignedCertificate({ hosts: ['localhost'], now: NOW });
    const other = await createSelfSignedCertificate({ hosts: ['localhost'], now: NOW });
    writeFileSync(join(dir, 'cert.pem'), pair.cert);
    writeFileSync(join(dir, 'key.pem'), pair.key);
    writeFileSync(join(dir, 'other.pem'), other.key);
    const load = (certFile: string, keyFile: string) =>
      loadTlsCredentials({ tls: { mode: 'files', certFile: join(dir, certFile), keyFile: join(dir, keyFile) }, dataDir: dir, origins: [], clock: { now: () => NOW } });

    expect(await load('cert.pem', 'key.pem')).toEqual(pair);
    await expect(load('cert.pem', 'other.pem')).rejects.toThrow('TLS_KEY is not the key of TLS_CERT');
    await expect(load('missing.pem', 'key.pem')).rejects.toThrow(/cannot read TLS_CERT\/TLS_KEY: ENOENT/);
    await expect(load('key.pem', 'key.pem')).rejects.toThrow(/are not a PEM certificate and its key/);
  });
});

describe('the API over TLS', () => {
  let tls: TlsCredentials;
  beforeAll(async () => {
    tls = await createSelfSignedCertificate({ hosts: SELF_SIGNED_BASE_HOSTS, now: Date.parse('2020-01-01T00:00:00Z'), validityMs: 100 * 365 * DAY });
  });

  test('signs in with a Secure __Host- cookie, sends HSTS, and serves the live session over wss', async () => {
    const server = await startServing({ tls });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(server.config.publicOrigin).toBe(server.url);
      const fetch = fetchTrusting(tls.cert);
      const { session } = await register({ baseUrl: server.url, privateKey: TEST_KEY, fetch });
      expect(Object.keys(session.cookies).sort()).toEqual(['__Host-wl.sid', '__Host-wl.sid.sig']);

      const challenge = await fetch(`${server.url}/api/auth/challenge`, { method: 'POST' });
      const cookies = challenge.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) {
        expect(cookie).toMatch(/^__Host-wl\.sid(\.sig)?=/);
        expect(cookie).toMatch(/; secure/i);
        expect(cookie).toMatch(/; path=\//i);
        expect(cookie).not.toMatch(/; domain=/i);
      }
      expect(challenge.headers.get('strict-transport-security')).toBe(HSTS);
      expect(HSTS).toBe('max-age=31536000; includeSubDomains');

      const client = await connectLiveSession({ url: liveSessionUrl(server.url), cookie: formatCookieHeader(session.cookies), ca: tls.cert });
      expect(client.ws.url).toMatch(/^wss:/);
      expect(await client.next()).toEqual({ type: 'signed_in', address: session.address });
      await session.logout();
      expect(await client.next()).toEqual({ type: 'signed_out' });
    } finally {
      await server.close();
    }
  });

  test('a client that does not trust the certificate is refused by its own TLS check', async () => {
    const server = await startServing({ tls });
    try {
      await expect(globalThis.fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });
});
