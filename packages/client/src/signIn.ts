// Signing in with a private key, as a wallet would: ask the server for a challenge, check that it
// is a challenge for this site and this key, sign it (EIP-191), and trade the signature for a
// session cookie.

import { CHALLENGE_FORMATS, isChallengeError, privateKeyToAddress, verifyIssuedChallenge, type ChallengeFormat } from '@wallet-login/challenge';
import type { ChallengeRequest, ChallengeResponse, SignedInResponse, SignInRequest } from '@wallet-login/contract';
import { WalletLoginError } from './errors';
import { badResponse, createConnection, requestJson, type ConnectionParameters } from './request';
import { checkPrivateKey, signMessage } from './signMessage';
import { WalletSession } from './WalletSession';

export interface SignInParameters extends ConnectionParameters {
  /**
   * secp256k1 private key, 64 hex digits with or without 0x. It signs locally and is never sent,
   * logged or put in an error message.
   */
  privateKey: string;
  /**
   * How the challenge is rendered for signing: an EIP-4361 message, or the JSON form
   * `{"sid":"…","timestamp":"…"}`.
   * @default 'siwe'
   */
  format?: ChallengeFormat;
  /**
   * The domain an EIP-4361 challenge must name to be signed (EIP-4361 §Security Considerations:
   * the signer checks the domain, so a server cannot get a signature that logs in elsewhere). Set
   * it when the server's public origin differs from `baseUrl`, e.g. behind a reverse proxy.
   * @default the host[:port] of baseUrl
   */
  domain?: string;
}

export type RegisterParameters = SignInParameters;

export interface RegisterResult {
  /** The signed-in session. */
  session: WalletSession;
  /** True when this call created the account; false when the address was registered before. */
  created: boolean;
}

/** Signs in an address that is registered already; rejects with code address_not_registered otherwise. */
export async function signIn(parameters: SignInParameters): Promise<WalletSession> {
  const { session } = await authenticate({ ...parameters, path: '/api/auth/login' });
  return session;
}

/** Registers the key's address when it is new (if the server's registration is open), and signs in. */
export async function register(parameters: RegisterParameters): Promise<RegisterResult> {
  return authenticate({ ...parameters, path: '/api/auth/register' });
}

async function authenticate(parameters: SignInParameters & { path: string }): Promise<RegisterResult> {
  const { format = 'siwe', path } = parameters;
  if (!CHALLENGE_FORMATS.includes(format)) {
    throw new WalletLoginError({ code: 'invalid_parameter', message: `format must be one of ${CHALLENGE_FORMATS.join(', ')}` });
  }
  const privateKey = checkPrivateKey(parameters.privateKey);
  const address = privateKeyToAddress(privateKey);
  const connection = createConnection(parameters);
  const domain = parameters.domain ?? connection.base.host;

  const challenge = await requestJson({ connection, method: 'POST', path: '/api/auth/challenge', body: { format, address } satisfies ChallengeRequest, expect: [200] });
  const { sid, message } = (challenge.body ?? {}) as Partial<Record<keyof ChallengeResponse, unknown>>;
  if (typeof sid !== 'string' || typeof message !== 'string') badResponse('challenge has no sid or message', challenge.status);
  checkChallengeMessage({ message, sid, address, domain });

  const signature = signMessage({ message, privateKey });
  const login = await requestJson({ connection, method: 'POST', path, body: { sid, signature, message } satisfies SignInRequest, expect: [200, 201] });
  const signedIn = ((login.body ?? {}) as Partial<Record<keyof SignedInResponse, unknown>>).address;
  if (typeof signedIn !== 'string' || signedIn.toLowerCase() !== address.toLowerCase()) {
    badResponse('the server signed in another address', login.status);
  }
  if (Object.keys(connection.cookies).length === 0) badResponse('the server set no session cookie', login.status);

  // The connection now holds the new session's cookies (the id is regenerated at login).
  const { baseUrl, timeoutMs, fetch, clock } = parameters;
  const session = WalletSession.restore({ baseUrl, timeoutMs, fetch, clock, cookies: connection.cookies, address });
  return { session, created: login.status === 201 };
}

/**
 * Refuses to sign a challenge that is not for this server and this key: the message must parse
 * strictly, carry the sid as its nonce, and (EIP-4361) name the expected domain and this address
 * or the zero address (meaning "any signer").
 */
function checkChallengeMessage({ message, sid, address, domain }: { message: string; sid: string; address: string; domain: string }): void {
  try {
    verifyIssuedChallenge({ message, sid, domain, address });
  } catch (cause) {
    if (!isChallengeError(cause)) throw cause;
    const text =
      cause.code === 'message_malformed'
        ? `the challenge message is malformed: ${cause.message}`
        : cause.code === 'domain_mismatch'
          ? `${cause.message} (set domain to accept it)`
          : cause.message;
    throw new WalletLoginError({ code: 'challenge_mismatch', message: text, cause });
  }
}
