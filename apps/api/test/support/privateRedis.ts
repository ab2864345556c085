// Test helper: a redis-server of the test's own, on a free port with a password, that the test
// may crash, shut down and start again (the shared Redis other tests use is never touched).
// Data survives a restart only after `shutdown({ save: true })`, as with a Redis that persists.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '@wallet-login/testkit';

export interface PrivateRedis {
  readonly port: number;
  /** redis://:password@127.0.0.1:port */
  readonly url: string;
  readonly password: string;
  /** Kills the server (SIGKILL): what it held is gone. */
  crash(): Promise<void>;
  /** SHUTDOWN, saving the data first when `save`, so the next start loads it. */
  shutdown(options: { save: boolean }): Promise<void>;
  /** Starts the server again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

export async function startPrivateRedis(options: { password: string }): Promise<PrivateRedis> {
  const { password } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-login-redis-'));
  const port = await freePort();
  const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const exited = (process: ChildProcess) =>
    new Promise<void>((resolve) => (process.exitCode !== null || process.signalCode !== null ? resolve() : process.once('exit', () => resolve())));

  const start = async () => {
    output = '';
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      started.once('error', (error) => reject(new Error(`redis-server could not start (${error.message}); it must be on the PATH`)));
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
    failed.catch(() => undefined);
    const deadline = performance.now() + 10_000;
    for (;;) {
      const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
      client.on('error', () => undefined);
      try {
        await Promise.race([client.connect().then(() => client.ping()), failed]);
        client.disconnect();
        return;
      } catch (error) {
        client.disconnect();
        if (started.exitCode !== null || performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };

  await start();

  return {
    port,
    url,
    password,
    async crash() {
      const running = child;
      if (!running) return;
      running.kill('SIGKILL');
      await exited(running);
      child = undefined;
      fs.rmSync(path.join(dir, 'dump.rdb'), { force: true });
    },
    async shutdown({ save }) {
      const running = child;
      if (!running) return;
      const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      // The server closes the connection instead of answering.
      await (save ? client.shutdown('SAVE') : client.shutdown('NOSAVE')).catch(() => undefined);
      client.disconnect();
      await exited(running);
      child = undefined;
    },
    start,
    async close() {
      const running = child;
      if (running) {
        running.kill('SIGKILL');
        await exited(running);
      }
      child = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
