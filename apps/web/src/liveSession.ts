// The live session: while signed in, the page holds a WebSocket to /api/ws (wss over https). The
// server says `signed_out` the moment this session ends anywhere (a sign-out in another tab, on
// another subdomain or device, a revoke, expiry), so the page switches to its signed-out view at
// once. A connection that drops (server restart, network) is re-opened with back-off, after
// asking the server whether the session is still there.

export interface WatchSessionOptions {
  /** Called once when the server says the session has ended. */
  onSignedOut(): void;
  /** Whether the session is still live (GET /api/auth/me), asked after the connection drops. */
  isSignedIn(): Promise<boolean>;
}

const MAX_RETRY_MS = 30_000;

/** Starts watching; returns the function that stops it (and closes the socket). */
export function watchSession({ onSignedOut, isSignedIn }: WatchSessionOptions): () => void {
  let socket: WebSocket | undefined;
  let stopped = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const end = (): void => {
    if (stopped) return;
    stopped = true;
    onSignedOut();
  };

  const open = (): void => {
    const url = new URL('/api/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.onmessage = (event: MessageEvent) => {
      let message: { type?: unknown };
      try {
        message = JSON.parse(String(event.data)) as { type?: unknown };
      } catch {
        return;
      }
      if (message.type === 'signed_in') failures = 0;
      else if (message.type === 'signed_out') end();
    };
    ws.onclose = () => {
      if (stopped || socket !== ws) return;
      // Refused (the session is gone) and dropped look alike here: the server decides.
      const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** failures);
      failures += 1;
      timer = setTimeout(() => {
        if (stopped) return;
        isSignedIn().then(
          (live) => {
            if (stopped) return;
            if (live) open();
            else end();
          },
          () => {
            if (!stopped) open();
          },
        );
      }, delay);
    };
  };

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
