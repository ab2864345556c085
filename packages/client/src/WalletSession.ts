// A signed-in session with a wallet-login server: the cookies that carry it, and the calls that
// use them. Created by signIn / register, or restored from cookies saved earlier (the CLI's file).

import { normalizeAddress } from '@wallet-login/challenge';
import type { MeResponse, SignInMethod } from '@wallet-login/contract';
import { parseSessionCookies, type SessionCookies } from './cookies';
import { WalletLoginError } from './errors';
import { badResponse, createConnection, formatBaseUrl, requestJson, send, type Connection, type ConnectionParameters } from './request';

/** How an address proves itself (the contract's SIGN_IN_METHODS; the SDK takes only types from it). */
const SIGN_IN_METHODS: readonly SignInMethod[] = ['eoa', 'erc1271', 'erc6492'];

/**
 * What `GET /api/auth/me` says about the session: the signed-in address (EIP-55), when it was
 * signed in, and when it ends if idle from now on (or its absolute end, if sooner), ms since the epoch;
 * and how the address proved itself (`eoa`, or a contract wallet's `erc1271` / `erc6492`).
 */
export type SessionInfo = MeResponse;

export interface RestoreSessionParameters extends ConnectionParameters {
  /** The session's cookies, as `session.cookies` returned them. */
  cookies: SessionCookies;
  /**
   * The address the session was signed in with, when known; `me()` fills it in otherwise.
   * @default undefined
   */
  address?: string;
}

/** The JSON form of a session (`JSON.stringify(session)`); `WalletSession.restore` takes it back. */
export interface SavedSession {
  baseUrl: string;
  address?: string;
  cookies: SessionCookies;
}

export class WalletSession {
  readonly #connection: Connection;
  #address: string | undefined;

  private constructor(connection: Connection, address: string | undefined) {
    this.#connection = connection;
    this.#address = address;
  }

  /**
   * A session from cookies saved earlier. Nothing is sent: whether the session is still live shows
   * on the first call (`me()` rejects with code `unauthenticated` when it is not).
   */
  static restore({ cookies, address, ...connection }: RestoreSessionParameters): WalletSession {
    const checkedCookies = parseSessionCookies(cookies);
    if (checkedCookies === undefined) {
      throw new WalletLoginError({ code: 'invalid_parameter', message: 'cookies must map cookie names to non-empty cookie values' });
    }
    const checkedAddress = address === undefined ? undefined : normalizeAddress(address);
    if (address !== undefined && checkedAddress === undefined) {
      throw new WalletLoginError({ code: 'invalid_parameter', message: 'address is not a 20-byte hex address' });
    }
    return new WalletSession(createConnection({ ...connection, cookies: checkedCookies }), checkedAddress);
  }

  /** The server's base URL, without a trailing '/'. */
  get baseUrl(): string {
    return formatBaseUrl(this.#connection.base);
  }

  /** The signed-in address (EIP-55), once known: after signIn, register or `me()`. */
  get address(): string | undefined {
    return this.#address;
  }

  /**
   * A copy of the cookie jar (name → value). It is the session's credential: store it like a
   * password (the CLI writes it to a file only its owner can read).
   */
  get cookies(): SessionCookies {
    return { ...this.#connection.cookies };
  }

  /** Asks the server who is signed in; rejects with code `unauthenticated` (401) when no one is. */
  async me(): Promise<SessionInfo> {
    const { status, body } = await requestJson({ connection: this.#connection, method: 'GET', path: '/api/auth/me', expect: [200] });
    const { address, createdAt, expiresAt, method = 'eoa' } = (body ?? {}) as Partial<Record<keyof MeResponse, unknown>>;
    const checkedAddress = normalizeAddress(address);
    if (checkedAddress === undefined) badResponse('/me has no address', status);
    if (!Number.isSafeInteger(createdAt) || !Number.isSafeInteger(expiresAt)) badResponse('/me times are not integers of ms', status);
    // A server from before contract wallets signs in key pairs only, and says no method.
    if (!(SIGN_IN_METHODS as readonly unknown[]).includes(method)) badResponse('/me method is not eoa, erc1271 or erc6492', status);
    this.#address = checkedAddress;
    return { address: checkedAddress, createdAt: createdAt as number, expiresAt: expiresAt as number, method: method as SignInMethod };
  }

  /**
   * `fetch` with the session: `path` resolves against the base URL (a full URL must be on its
   * origin), the jar's cookies replace any Cookie header in `init`, and cookies the response sets
   * go into the jar. Like fetch, it resolves with error statuses too; it rejects with a
   * WalletLoginError (network_error, timeout) when there is no response.
   */
  fetch(path: string, init?: RequestInit): Promise<Response> {
    return send({ connection: this.#connection, path, init });
  }

  /**
   * Ends the session on the server and empties the jar. A session the server no longer knows
   * counts as logged out.
   */
  async logout(): Promise<void> {
    try {
      await requestJson({ connection: this.#connection, method: 'POST', path: '/api/auth/logout', expect: [200, 204] });
    } catch (error) {
      if (!(error instanceof WalletLoginError && error.status === 401)) throw error;
    }
    this.#connection.cookies = {};
  }

  /** The session as plain JSON (the cookies are in it: keep it private). */
  toJSON(): SavedSession {
    const saved: SavedSession = { baseUrl: this.baseUrl, cookies: this.cookies };
    if (this.#address !== undefined) saved.address = this.#address;
    return saved;
  }
}
