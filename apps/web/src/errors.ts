// Every failure the page can meet, as a stable code, and the one table that turns a code into a
// sentence for people. API error codes (apps/api/src/errors.ts) arrive from the server; the others
// are the page's own (the network, the wallet, what a person typed). Unknown codes get a generic
// sentence; no raw JSON or wallet internals are ever shown.

/** The page's own codes, next to the API's. */
export type PageErrorCode =
  /** fetch failed: offline, server down. */
  | 'network_error'
  /** The server answered something that is not the API's JSON. */
  | 'bad_response'
  /** EIP-1193 4001: the person said no in the wallet. */
  | 'user_rejected'
  /** EIP-1193 4100, or no account shared: locked or not connected. */
  | 'wallet_locked'
  /** -32002: the wallet already shows a request from this site. */
  | 'wallet_busy'
  /** EIP-1193 4900/4901: the wallet is not connected to any chain. */
  | 'wallet_disconnected'
  /** Any other wallet failure. */
  | 'wallet_error'
  /** The person cancelled a wait in the page (Cancel, Escape, another way to sign in). */
  | 'cancelled'
  /** The wallet signed with, or switched to, another account than the one it connected. */
  | 'wrong_account'
  /** The server's challenge names another site than this page's (misconfigured PUBLIC_ORIGIN). */
  | 'domain_mismatch'
  /** The server's challenge is not for this request (nonce or address differ). */
  | 'challenge_mismatch'
  /** The development key is not 32 bytes of hex. */
  | 'key_invalid'
  /** A pasted signature is not 0x + 130 hex digits. */
  | 'signature_malformed'
  /** A typed address is not 0x + 40 hex digits with a valid checksum. */
  | 'invalid_address';

export class AppError extends Error {
  override readonly name = 'AppError';
  /** An API error code or a PageErrorCode. */
  readonly code: string;
  /** The HTTP status, for API answers. */
  readonly status?: number;

  constructor(code: string, options: { status?: number; cause?: unknown } = {}) {
    super(code, { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

/** The sentence for each code. Keys cover every API code (a test keeps them in step). */
export const ERROR_SENTENCES: Readonly<Record<string, string>> = {
  // The API's codes.
  invalid_request: 'The server could not read that request. Reload the page and try again.',
  challenge_not_found: 'That sign-in request was already used or belongs to another tab — start again.',
  challenge_expired: 'The sign-in request expired — try again.',
  challenge_not_yet_valid: "The sign-in request isn't valid yet — check that your computer's clock is right, then try again.",
  message_mismatch: "The signed text isn't the message this site issued — sign the message exactly as shown.",
  signature_invalid: "The signature doesn't match the account that was asked to sign — check which account signed it.",
  unauthenticated: "You're not signed in.",
  reauthentication_required: 'The application asks for a fresh signature — sign in again.',
  address_not_registered: "This address doesn't have an account here.",
  registration_closed: 'New accounts are not open on this site — ask its administrator to add your address.',
  origin_forbidden: 'The server refused a request from this page — open the sign-in page from its own address.',
  not_found: 'The server did not recognise that request. Reload the page and try again.',
  method_not_allowed: 'The server did not accept that request. Reload the page and try again.',
  payload_too_large: 'That was more data than the server accepts — check what you pasted.',
  unsupported_media_type: 'The server could not read that request. Reload the page and try again.',
  rate_limited: 'Too many attempts — wait a minute and try again.',
  internal_error: 'Something went wrong on the server — try again in a moment.',
  service_unavailable: 'The server is busy right now — try again in a moment.',
  // The page's own.
  network_error: "Can't reach the server — check your connection and try again.",
  bad_response: 'The server sent an answer this page does not understand — try again in a moment.',
  cancelled: 'Cancelled: nothing was signed in.',
  user_rejected: 'You cancelled in your wallet, so nothing was signed. Try again whenever you are ready.',
  wallet_locked: 'Your wallet is locked or has not shared an account — unlock it, then try again.',
  wallet_busy: 'Your wallet already has a request from this site waiting — open the wallet to finish or cancel it.',
  wallet_disconnected: 'Your wallet is not connected to a network — reconnect it, then try again.',
  wallet_error: 'Your wallet could not complete the request — try again.',
  wrong_account: 'Your wallet signed with a different account than the one it connected — switch back to it and try again.',
  domain_mismatch: 'The server issues sign-in requests for a different site address — open the sign-in page at its own address.',
  challenge_mismatch: 'The server sent a sign-in request that is not for this sign-in — start again.',
  key_invalid: 'That is not a private key — it should be 64 hexadecimal characters, with or without 0x.',
  signature_malformed: 'That is not a signature — it should be 0x followed by 130 hexadecimal characters.',
  invalid_address: 'That is not an Ethereum address — it should be 0x followed by 40 hexadecimal characters.',
};

export const GENERIC_SENTENCE = 'Something went wrong — try again.';

/** The code of any thrown value: AppError's own, or 'unknown'. */
export function errorCode(error: unknown): string {
  return error instanceof AppError ? error.code : 'unknown';
}

/** True for the page's own "the person cancelled": no error to show. */
export function isCancelled(error: unknown): boolean {
  return errorCode(error) === 'cancelled';
}

/** The sentence to show for any thrown value. */
export function describeError(error: unknown): string {
  return ERROR_SENTENCES[errorCode(error)] ?? GENERIC_SENTENCE;
}
