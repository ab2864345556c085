// Test helper: a TCP proxy in front of a server (Redis, PostgreSQL) that a test can cut or make
// unresponsive and then restore, to see what the API does when a backing service goes away
// without touching the real server other tests share.
//
//   cut()      the server is gone: every connection is closed, new ones are refused
//   hang()     the server stops answering: connections stay open, nothing gets through, new
//              connections are accepted and then hear nothing (a partition, a stuck server)
//   restore()  the server is back: connections held by hang() are closed (as a partition that
//              outlasted TCP keep-alive), new ones go through again

import net from 'node:net';

export type ProxyState = 'up' | 'cut' | 'hung';

export interface FaultProxy {
  /** The port the proxy listens on, on 127.0.0.1; the same across cut and restore. */
  readonly port: number;
  readonly state: ProxyState;
  cut(): Promise<void>;
  hang(): void;
  restore(): Promise<void>;
  /** Stops the proxy and drops every connection. */
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Where connections go while the proxy is up. */
  target: { host: string; port: number };
}

const drop = (): void => undefined;

export async function startFaultProxy({ target }: FaultProxyOptions): Promise<FaultProxy> {
  let state: ProxyState = 'up';
  const sockets = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  };

  const onConnection = (client: net.Socket) => {
    track(client);
    if (state !== 'up') {
      // Hung: accept, answer nothing. What arrives is read and dropped: a paused socket whose
      // peer hangs up keeps libuv's poll spinning.
      client.on('data', drop);
      return;
    }
    const upstream = net.connect(target);
    track(upstream);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const server = net.createServer(onConnection);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;

  const dropAll = () => {
    const open = [...sockets];
    sockets.clear();
    // destroy(), not resetAndDestroy(): a reset socket can keep node from exiting (its close
    // never completes); the peer sees the connection end either way, as when a server stops.
    for (const socket of open) socket.destroy();
    pairs.clear();
  };
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  return {
    port,
    get state() {
      return state;
    },
    async cut() {
      state = 'cut';
      const closed = stopListening();
      dropAll();
      await closed;
    },
    hang() {
      state = 'hung';
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.on('data', drop);
        upstream.on('data', drop);
      }
    },
    async restore() {
      if (state === 'hung') dropAll();
      if (!server.listening) await listen(port);
      state = 'up';
    },
    async close() {
      state = 'cut';
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
