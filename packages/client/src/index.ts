// Public surface of @wallet-login/client: re-exports only.
export { signIn, register, type SignInParameters, type RegisterParameters, type RegisterResult } from './signIn';
export { signMessage, type SignMessageParameters } from './signMessage';
export { WalletSession, type RestoreSessionParameters, type SavedSession, type SessionInfo } from './WalletSession';
export { WalletLoginError, isWalletLoginError, type WalletLoginErrorCode, type WalletLoginErrorParameters, type ClientErrorCode, type ServerErrorCode } from './errors';
export { type ConnectionParameters, DEFAULT_TIMEOUT_MS } from './request';
export { applySetCookies, formatCookieHeader, parseSetCookie, type SessionCookies, type ParsedSetCookie } from './cookies';
