// The one error class of the client: every failure of the SDK, whether the server answered with
// an error body or the request never got an answer, carries a stable string `code`.
// Messages never contain the private key or cookie values.

/** Codes the client itself raises, when there is no server error body to read. */
export type ClientErrorCode =
  /** The server could not be reached (DNS, refused connection, reset, TLS). */
  | 'network_error'
  /** No response arrived within the request timeout. */
  | 'timeout'
  /** The server answered, but not with the JSON this client expects (a proxy's HTML page, say). */
  | 'bad_response'
  /** The server's challenge is not one this client will sign (another domain, sid or address). */
  | 'challenge_mismatch'
  /** A parameter given by the calling code is out of its domain (bad key, bad base URL). */
  | 'invalid_parameter';

/** Codes the wallet-login server sends in `{ "error": { "code", "message" } }` (apps/api errors.ts). */
export type ServerErrorCode =
  | 'invalid_request'
  | 'challenge_not_found'
  | 'challenge_expired'
  | 'challenge_not_yet_valid'
  | 'message_mismatch'
  | 'signature_invalid'
  | 'unauthenticated'
  | 'address_not_registered'
  | 'registration_closed'
  | 'origin_forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal_error'
  | 'service_unavailable';

/** A known code, or any other string a newer server may send. */
export type WalletLoginErrorCode = ClientErrorCode | ServerErrorCode | (string & {});

export interface WalletLoginErrorParameters {
  /** Stable machine-readable code: the server's `error.code`, or one of ClientErrorCode. */
  code: WalletLoginErrorCode;
  /** Short human-readable text: the server's `error.message`, or the client's own. */
  message: string;
  /** HTTP status of the response; absent when there was no response. */
  status?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

export class WalletLoginError extends Error {
  override readonly name = 'WalletLoginError';
  readonly code: WalletLoginErrorCode;
  /** HTTP status of the response; undefined when there was no response (network_error, timeout). */
  readonly status: number | undefined;

  constructor({ code, message, status, cause }: WalletLoginErrorParameters) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.status = status;
  }
}

/** True when `error` is a WalletLoginError, optionally with the given code. */
export function isWalletLoginError(error: unknown, code?: WalletLoginErrorCode): error is WalletLoginError {
  return error instanceof WalletLoginError && (code === undefined || error.code === code);
}
