// Start-up: config → stores → createApp → listen. The only module that touches the process:
// environment (through loadConfig), wall clock, randomness, signals.

import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, loadSessionKeys, systemClock, systemRandom } from './config';
import { createApp } from './app';
import { createLogger } from './logger';
import { openStores } from './stores/open';

const SWEEP_INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const sessionKeys = loadSessionKeys(config.sessionKeys, config.dataDir);
  const logger = createLogger(config.logLevel);
  const clock = systemClock;
  const random = systemRandom;
  const stores = await openStores({ config, clock });

  const app = createApp({ config: { ...config, sessionKeys }, stores, clock, random, logger });
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info({ url: `http://${host}:${port}`, publicOrigin: config.publicOrigin }, `wallet-login listening on http://${host}:${port} (public origin ${config.publicOrigin})`);

  if (config.publicOrigin.startsWith('https:') && !config.trustProxy) {
    logger.warn('PUBLIC_ORIGIN is https but TRUST_PROXY is off: this server speaks plain HTTP, so Secure cookies can only be set behind a TLS proxy with TRUST_PROXY=1');
  }

  const sweep = setInterval(() => {
    stores.sweep().catch((err: unknown) => logger.warn({ err }, 'sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    clearInterval(sweep);
    server.close(() => {
      void stores.close().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`wallet-login failed to start: ${(error as Error).message}; is it running already? Set PORT to use another port.\n`);
  } else {
    process.stderr.write(`wallet-login failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
