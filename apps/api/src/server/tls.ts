// The certificate and key for built-in HTTPS: TLS_CERT/TLS_KEY files, or (TLS=self-signed) a
// development certificate generated once into DATA_DIR/tls and reused while it is valid and names
// every host in use: EC P-256, SHA-256, SAN localhost, 127.0.0.1 and ::1 plus the hosts of the
// public and allowed origins. selfsigned builds it (WebCrypto keys, @peculiar/x509 encoding).

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Config } from '../config';
import type { Clock } from '../stores/types';

export interface TlsCredentials {
  /** PEM certificate (chain). */
  cert: string;
  /** PEM private key. */
  key: string;
}

/** Hosts every self-signed certificate names. */
export const SELF_SIGNED_BASE_HOSTS = ['localhost', '127.0.0.1', '::1'];
/** A stored certificate this close to its end is replaced. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const VALIDITY_MS = 365 * 24 * 3600 * 1000;

export interface LoadTlsCredentialsOptions {
  tls: Config['tls'];
  /** Where a generated certificate is kept (`<dataDir>/tls`). */
  dataDir: string;
  /** Origins whose hosts a generated certificate must name (public and allowed origins). */
  origins: readonly string[];
  clock: Clock;
}

/** undefined when TLS is off. Throws with a plain message when the files cannot be used. */
export async function loadTlsCredentials(options: LoadTlsCredentialsOptions): Promise<TlsCredentials | undefined> {
  const { tls } = options;
  if (tls.mode === 'off') return undefined;
  if (tls.mode === 'files') return readCredentials(tls.certFile, tls.keyFile);
  const hosts = [...new Set([...SELF_SIGNED_BASE_HOSTS, ...options.origins.map((origin) => new URL(origin).hostname.replace(/^\[|\]$/g, ''))])];
  return ensureSelfSigned({ dir: join(options.dataDir, 'tls'), hosts, now: options.clock.now() });
}

function readCredentials(certFile: string, keyFile: string): TlsCredentials {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new Error(`cannot read TLS_CERT/TLS_KEY: ${(error as Error).message}`, { cause: error });
  }
  try {
    const certificate = new X509Certificate(cert);
    if (!certificate.checkPrivateKey(createPrivateKey(key))) throw new Error('TLS_KEY is not the key of TLS_CERT');
  } catch (error) {
    throw new Error(`TLS_CERT/TLS_KEY are not a PEM certificate and its key: ${(error as Error).message}`, { cause: error });
  }
  return { cert, key };
}

export interface EnsureSelfSignedOptions {
  /** Directory of `self-signed.crt` and `self-signed.key` (created, mode 0700). */
  dir: string;
  /** DNS names and IP addresses the certificate must name. */
  hosts: readonly string[];
  now: number;
}

/** The stored certificate if it is valid for a while yet and names every host; else a new one. */
export async function ensureSelfSigned({ dir, hosts, now }: EnsureSelfSignedOptions): Promise<TlsCredentials> {
  const certFile = join(dir, 'self-signed.crt');
  const keyFile = join(dir, 'self-signed.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    try {
      const stored = readCredentials(certFile, keyFile);
      if (coversHosts(new X509Certificate(stored.cert), hosts, now)) return stored;
    } catch {
      // Damaged or foreign files: replaced below.
    }
  }
  const created = await createSelfSignedCertificate({ hosts, now });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Written aside and renamed, so a process starting alongside never reads half a file.
  const suffix = `.${process.pid}.tmp`;
  writeFileSync(keyFile + suffix, created.key, { mode: 0o600 });
  chmodSync(keyFile + suffix, 0o600);
  writeFileSync(certFile + suffix, created.cert, { mode: 0o644 });
  renameSync(keyFile + suffix, keyFile);
  renameSync(certFile + suffix, certFile);
  return created;
}

/** Whether `certificate` is valid from `now` for RENEW_BEFORE_MS and names every host. */
export function coversHosts(certificate: X509Certificate, hosts: readonly string[], now: number): boolean {
  if (Date.parse(certificate.validFrom) > now || Date.parse(certificate.validTo) - RENEW_BEFORE_MS < now) return false;
  return hosts.every((host) => (isIP(host) ? certificate.checkIP(host) !== undefined : certificate.checkHost(host) !== undefined));
}

export interface CreateSelfSignedCertificateOptions {
  /** DNS names and IP addresses for the subjectAltName; the first is also the common name. */
  hosts: readonly string[];
  /** Start of validity, ms since the epoch. */
  now: number;
  /** @default one year */
  validityMs?: number;
}

/** A new self-signed EC P-256 server certificate for `hosts`. */
export async function createSelfSignedCertificate({ hosts, now, validityMs = VALIDITY_MS }: CreateSelfSignedCertificateOptions): Promise<TlsCredentials> {
  // A minute back, so a client whose clock is slightly behind accepts it at once.
  const notBeforeDate = new Date(now - 60_000);
  const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }, { name: 'organizationName', value: 'wallet-login development' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(now + validityMs),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((host) => (isIP(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host })) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
