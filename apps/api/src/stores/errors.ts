// The one error a store throws when its backing service cannot serve a call: refused or reset
// connections, no answer within the deadline, an exhausted pool, a server shutting down. The
// error middleware answers it with 503 service_unavailable, so a client retries instead of
// reading a failure as "no session" or "not registered".

/** A backing service (Redis, PostgreSQL) could not serve a store call in time. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  /** Which service: 'redis', 'postgres'. */
  readonly service: string;

  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super(`${service}: ${message}`, options);
    this.service = service;
  }
}

export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}

export interface DeadlineOptions {
  /** The service the call goes to, for the error message. */
  service: string;
  /** How long the call may take, ms. */
  timeoutMs: number;
  /**
   * Turns a failure of the call into the error to throw: a StoreUnavailableError when the service
   * could not serve it, the failure itself when it is a fault of the call (a bug → 500).
   */
  classify: (error: unknown) => unknown;
}

/**
 * Runs `call` with a deadline: whatever the driver does, the caller hears back within
 * `timeoutMs`. A call still running at the deadline is left to finish or fail on its own (the
 * drivers have their own timeouts too); its outcome is ignored.
 */
export function withDeadline<T>(call: () => Promise<T>, options: DeadlineOptions): Promise<T> {
  const { service, timeoutMs, classify } = options;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new StoreUnavailableError(service, `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let running: Promise<T>;
    try {
      running = call();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(classify(error));
      },
    );
  });
}

/** A short description of a driver failure, for readiness reports and error messages. */
export function describeFailure(error: unknown): string {
  if (error instanceof StoreUnavailableError) return error.message.slice(error.service.length + 2);
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    default:
      return typeof message === 'string' && message !== '' ? message : String(error);
  }
}
