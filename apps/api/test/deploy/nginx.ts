// Test helper: deploy/nginx.conf run by a test-owned nginx (Debian's /usr/sbin/nginx) on free high
// ports, with its pid, logs and temporary files in a directory of its own. The site file is used
// as written; only its host, ports, certificate paths, page root and upstream lines are replaced,
// each of which must occur exactly as the file has it.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const NGINX = '/usr/sbin/nginx';
export const SITE_CONF = join(__dirname, '..', '..', '..', '..', 'deploy', 'nginx.conf');

export interface RenderSiteOptions {
  serverName: string;
  httpPort: number;
  httpsPort: number;
  certFile: string;
  keyFile: string;
  /** The built page. */
  root: string;
  /** host:port of each API instance. */
  upstreams: string[];
}

/** deploy/nginx.conf with this run's values in place of the example ones. */
export function renderSite(options: RenderSiteOptions): string {
  let text = readFileSync(SITE_CONF, 'utf8');
  const replace = (from: string | RegExp, to: string, count = 1): void => {
    const matches = typeof from === 'string' ? text.split(from).length - 1 : (text.match(from) ?? []).length;
    if (matches !== count) throw new Error(`deploy/nginx.conf: expected ${count} × ${String(from)}, found ${matches}`);
    text = typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to);
  };
  replace('server_name login.example.com;', `server_name ${options.serverName};`, 2);
  replace('    listen 80;\n', `    listen 127.0.0.1:${options.httpPort};\n`);
  replace('    listen [::]:80;\n', '');
  replace('    listen 443 ssl http2;\n', `    listen 127.0.0.1:${options.httpsPort} ssl http2;\n`);
  replace('    listen [::]:443 ssl http2;\n', '');
  replace('/etc/ssl/wallet-login/fullchain.pem', options.certFile);
  replace('/etc/ssl/wallet-login/privkey.pem', options.keyFile);
  replace('root /srv/wallet-login/apps/web/dist;', `root ${options.root};`);
  replace(
    /    server 127\.0\.0\.1:8081 max_fails=3 fail_timeout=10s;\n    server 127\.0\.0\.1:8082 max_fails=3 fail_timeout=10s;\n/g,
    options.upstreams.map((upstream) => `    server ${upstream} max_fails=3 fail_timeout=10s;\n`).join(''),
  );
  return text;
}

export interface Nginx {
  child: ChildProcess;
  /** The error log so far. */
  errors(): string;
  /** The access log so far. */
  access(): string;
  stop(): Promise<void>;
}

/**
 * Writes the main configuration (a minimal http block that includes `site`) into `dir`, checks it
 * with `nginx -t`, starts nginx in the foreground and resolves once `port` accepts connections.
 */
export async function startNginx({ dir, site, port }: { dir: string; site: string; port: number }): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`no nginx at ${NGINX}: install Debian's nginx package (apt-get install nginx)`);
  // nginx's workers run as an unprivileged user when it starts as root; they read the page from here.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'wallet-login.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  default_type application/octet-stream;',
      `  access_log ${join(dir, 'access.log')};`,
      `  client_body_temp_path ${join(dir, 'client_body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'scgi')};`,
      `  include ${join(dir, 'wallet-login.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`];
  await promisify(execFile)(NGINX, ['-t', ...args]).catch((error: { stderr?: string }) => {
    throw new Error(`nginx -t refused the configuration:\n${error.stderr ?? String(error)}`);
  });
  const child = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const read = (file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');

  const deadline = performance.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start-up:\n${stderr}${read('error.log')}`);
    if (await accepts(port)) break;
    if (performance.now() > deadline) throw new Error(`nginx did not listen on ${port}:\n${stderr}${read('error.log')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    errors: () => read('error.log'),
    access: () => read('access.log'),
    async stop() {
      // SIGQUIT: graceful shutdown of the master and its workers.
      if (child.exitCode === null) child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
