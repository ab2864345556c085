// Test helpers: the API as a real process (`node apps/api/dist/main.js`, what `npm start` runs),
// configured only through its environment, and free ports for servers that cannot report theirs.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The built entry point; `npm test` builds it first (tsc -b). */
export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'main.js');

export interface ApiProcess {
  /** The URL it listens on, from its start-up log line (`http(s)://127.0.0.1:PORT`). */
  url: string;
  port: number;
  /** GET /metrics on its metrics listener (`http://127.0.0.1:PORT/metrics`), when it has one. */
  metricsUrl?: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Its JSON log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartApiProcessOptions {
  /** The environment, besides PATH; PORT and METRICS_PORT default to 0 and HOST to 127.0.0.1. */
  env: Record<string, string>;
  /** @default 30000 */
  timeoutMs?: number;
}

/** Starts the API and resolves once it logs that it listens; rejects with its output if it exits first. */
export function startApiProcess({ env, timeoutMs = 30_000 }: StartApiProcessOptions): Promise<ApiProcess> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: build first (npx tsc -b)`);
  // Start-up is recognised by the info-level "listening" line.
  if (['warn', 'error', 'fatal', 'silent'].includes(env.LOG_LEVEL ?? '')) throw new Error('startApiProcess needs LOG_LEVEL info, debug or trace');
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...(env.METRICS_TOKEN === undefined ? { METRICS_PORT: '0' } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const logs = (): Array<Record<string, unknown>> =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });

  return new Promise<ApiProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the API did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (): void => {
      const listening = logs().find((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('wallet-login listening on'));
      if (!listening) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const url = String(listening.url);
      resolve({
        url,
        port: Number(new URL(url).port),
        ...(typeof listening.metricsUrl === 'string' ? { metricsUrl: listening.metricsUrl } : {}),
        child,
        output: () => output,
        logs,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the API exited with ${code} before listening:\n${output}`));
    });
  });
}
