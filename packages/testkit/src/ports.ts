// Free ports on 127.0.0.1, for servers that must be given a port before they start (a child
// process, nginx) and for "nothing listens here" cases.

import { createServer } from 'node:net';

/** A port free right now on 127.0.0.1 (bound, then released): nothing listens on it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port was bound');
  return address.port;
}
