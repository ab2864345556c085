// The API as the page uses it: same-origin JSON requests that carry the session cookie (HttpOnly:
// the page never sees it), with every failure turned into an AppError carrying the API's code.

import type {
  ChallengeRequest,
  ChallengeResponse,
  ConsentRequest,
  MeResponse,
  OidcGrantList,
  OidcInteraction,
  OidcInteractionResult,
  PublicConfig,
  RevokedResponse,
  SessionInfo,
  SessionListResponse,
  SignedInResponse,
  SignInRequest,
} from '@wallet-login/contract';
import { AppError } from './errors';

// The wire types come from the contract (type-only: the page's bundle carries no zod).
export type { OidcInteraction, PublicConfig, SessionInfo };
/** POST /api/auth/challenge. */
export type Challenge = ChallengeResponse;
/** GET /api/auth/me. */
export type Me = MeResponse;
/** One application the signed-in address allowed (GET /api/oidc/grants). */
export type AllowedApp = OidcGrantList['grants'][number];

export type Intent = 'login' | 'register';

/** POST /api/auth/login and /register; `message` is the issued one, sent back so the server can say when it differs. */
export type SignedChallenge = SignInRequest;

/** An answer's body and status (201 from /register says the account was created). */
interface Answer<T> {
  status: number;
  data: T;
}

async function send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<Answer<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (cause) {
    if (signal?.aborted) throw new AppError('cancelled', { cause });
    throw new AppError('network_error', { cause });
  }
  if (response.status === 204) return { status: 204, data: undefined as T };
  const data: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const code = apiErrorCode(data);
    throw new AppError(code ?? (response.status >= 500 ? 'internal_error' : 'bad_response'), { status: response.status });
  }
  if (data === undefined) throw new AppError('bad_response', { status: response.status });
  return { status: response.status, data: data as T };
}

async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  return (await send<T>(method, path, body, signal)).data;
}

/** `{ error: { code } }` → code. */
function apiErrorCode(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

export function getConfig(): Promise<PublicConfig> {
  return request('GET', '/api/config');
}

/** The signed-in session, or undefined when there is none (401 unauthenticated). */
export async function getMe(): Promise<Me | undefined> {
  try {
    return await request<Me>('GET', '/api/auth/me');
  } catch (error) {
    if (error instanceof AppError && error.code === 'unauthenticated') return undefined;
    throw error;
  }
}

/** What a challenge is asked for. */
export interface ChallengeFor {
  /** Only this account's signature is then accepted. */
  address?: string;
  /** The OpenID Connect interaction uid this sign-in serves: the message then lists where it goes on to. */
  interaction?: string;
}

/** A new EIP-4361 challenge. `signal` abandons the request (AppError 'cancelled'). */
export function createChallenge({ address, interaction }: ChallengeFor = {}, signal?: AbortSignal): Promise<Challenge> {
  const body: ChallengeRequest = { ...(address !== undefined ? { address } : {}), ...(interaction !== undefined ? { interaction } : {}) };
  return request('POST', '/api/auth/challenge', body, signal);
}

/** What a signed challenge opened: the session's address, and whether /register created the account. */
export interface SignedIn extends SignedInResponse {
  /** 201 from /register: the address had no account before. */
  created: boolean;
}

/**
 * Trades a signed challenge for a session (login), or signs in and creates the account when the
 * address has none (register: an existing address is simply signed in, 200).
 */
export async function submitSignature(intent: Intent, signed: SignedChallenge): Promise<SignedIn> {
  const { status, data } = await send<SignedInResponse>('POST', intent === 'register' ? '/api/auth/register' : '/api/auth/login', signed);
  return { ...data, created: status === 201 };
}

export async function logout(): Promise<void> {
  await request<void>('POST', '/api/auth/logout');
}

/** The signed-in address's live sessions, newest first. */
export function listSessions(): Promise<SessionInfo[]> {
  return listAt<SessionListResponse, 'sessions'>('/api/auth/sessions', 'sessions');
}

/** Ends one of the signed-in address's sessions; 404 not_found when it is not (or no longer) one. */
export async function revokeSession(id: string): Promise<void> {
  await request<void>('DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`);
}

/** Ends every session of the signed-in address, this one included; returns how many ended. */
export async function logoutAll(): Promise<number> {
  const { revoked } = await request<RevokedResponse>('POST', '/api/auth/logout-all');
  return revoked;
}

/** The OpenID Connect request the page was sent to serve (`?interaction=<uid>`); 404 not_found when this browser has none by that uid. */
export function getInteraction(uid: string): Promise<OidcInteraction> {
  return request('GET', `/api/oidc/interaction/${encodeURIComponent(uid)}`);
}

/**
 * Completes the login step with this browser's session; the page then goes to the URL returned.
 * 401 unauthenticated (no session) or reauthentication_required (the application wants a fresher signature).
 */
export async function completeInteractionLogin(uid: string): Promise<string> {
  const { redirectTo } = await request<OidcInteractionResult>('POST', `/api/oidc/interaction/${encodeURIComponent(uid)}/login`);
  return redirectTo;
}

/** Allow or Deny at the consent step; the page then goes to the URL returned. */
export async function answerInteractionConsent(uid: string, allow: boolean): Promise<string> {
  const { redirectTo } = await request<OidcInteractionResult>('POST', `/api/oidc/interaction/${encodeURIComponent(uid)}/consent`, { allow } satisfies ConsentRequest);
  return redirectTo;
}

/** The applications the signed-in address allowed (remembered Allows), newest first. */
export function listAllowedApps(): Promise<AllowedApp[]> {
  return listAt<OidcGrantList, 'grants'>('/api/oidc/grants', 'grants');
}

/** The list under `key` of what GET `path` answers; bad_response when it is not a list. */
async function listAt<R, K extends keyof R>(path: string, key: K): Promise<R[K]> {
  const list = (await request<R>('GET', path))[key];
  if (!Array.isArray(list)) throw new AppError('bad_response');
  return list;
}

/** Forgets the Allow of one application and revokes its tokens; 404 not_found when there is none (or no longer one). */
export async function removeAllowedApp(clientId: string): Promise<void> {
  await request<void>('DELETE', `/api/oidc/grants/${encodeURIComponent(clientId)}`);
}
