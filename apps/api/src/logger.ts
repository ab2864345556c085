// The process logger: pino, JSON lines on stdout. Redaction is a second line of defence; the
// code never passes headers, cookies, keys or signatures to it in the first place.

import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'wallet-login', pid: process.pid },
    redact: { paths: ['*.cookie', '*.headers', '*.signature', '*.privateKey', '*.sessionKeys'], censor: '[redacted]' },
  });
}
