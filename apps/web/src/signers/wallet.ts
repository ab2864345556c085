// Browser wallets: discovery (EIP-6963 announcements, falling back to the injected
// window.ethereum of EIP-1193), connecting, personal_sign (EIP-191), and watching for the account
// to change. Wallet errors become AppErrors with the page's codes (EIP-1193 §Provider Errors).

import { normalizeAddress } from '@wallet-login/challenge';
import { AppError } from '../errors';

/** EIP-1193 provider, the part this page uses. */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** EIP-6963 EIP6963ProviderInfo. */
interface Eip6963ProviderInfo {
  uuid: string;
  name: string;
  /** A data: URI (EIP-6963 §Images/Icons), drawn through <img> only. */
  icon: string;
  rdns: string;
}

/** A wallet the person can pick. */
export interface Wallet {
  /** EIP-6963 uuid, or 'injected' for window.ethereum. */
  id: string;
  name: string;
  /** A data:image URI, or undefined to draw a generic wallet glyph. */
  icon?: string;
  /** Reverse-DNS id (EIP-6963), stable across page loads; 'injected' for window.ethereum. */
  key: string;
  provider: Eip1193Provider;
}

const ANNOUNCE = 'eip6963:announceProvider';
const REQUEST = 'eip6963:requestProvider';

function isProvider(value: unknown): value is Eip1193Provider {
  return typeof value === 'object' && value !== null && typeof (value as { request?: unknown }).request === 'function';
}

function toWallet(detail: unknown): Wallet | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const { info, provider } = detail as { info?: Partial<Eip6963ProviderInfo>; provider?: unknown };
  if (!info || typeof info.uuid !== 'string' || typeof info.name !== 'string' || !isProvider(provider)) return undefined;
  const name = info.name.trim().slice(0, 64) || 'Wallet';
  // Only images, only as data: URIs: a wallet cannot make the page fetch anything or run script.
  const icon = typeof info.icon === 'string' && /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(info.icon) ? info.icon : undefined;
  const key = typeof info.rdns === 'string' && info.rdns ? info.rdns : info.uuid;
  return { id: info.uuid, name, icon, key, provider };
}

function injectedWallet(target: Window): Wallet | undefined {
  const provider = (target as { ethereum?: unknown }).ethereum;
  if (!isProvider(provider)) return undefined;
  const flags = provider as { isMetaMask?: unknown; isCoinbaseWallet?: unknown; isBraveWallet?: unknown };
  const name = flags.isBraveWallet ? 'Brave Wallet' : flags.isCoinbaseWallet ? 'Coinbase Wallet' : flags.isMetaMask ? 'MetaMask' : 'Browser wallet';
  return { id: 'injected', name, key: 'injected', provider };
}

export interface WalletDiscovery {
  /** Asks wallets to announce themselves again (one may have arrived since) and returns the list. */
  refresh(): Wallet[];
  stop(): void;
}

/**
 * Collects wallets: every EIP-6963 announcement (now and later), or window.ethereum when no wallet
 * announces itself. Calls `onChange` with each new list.
 */
export function createWalletDiscovery(target: Window, onChange: (wallets: Wallet[]) => void): WalletDiscovery {
  const announced = new Map<string, Wallet>();
  let current: Wallet[] = [];
  const publish = (): void => {
    const list = [...announced.values()];
    const injected = list.length === 0 ? injectedWallet(target) : undefined;
    const next = injected ? [injected] : list;
    const same = next.length === current.length && next.every((wallet, i) => wallet.id === current[i]?.id && wallet.provider === current[i]?.provider);
    if (same) return;
    current = next;
    onChange(current);
  };
  const onAnnounce = (event: Event): void => {
    const wallet = toWallet((event as CustomEvent<unknown>).detail);
    if (!wallet) return;
    announced.set(wallet.id, wallet);
    publish();
  };
  target.addEventListener(ANNOUNCE, onAnnounce);
  const refresh = (): Wallet[] => {
    target.dispatchEvent(new Event(REQUEST));
    publish();
    return current;
  };
  refresh();
  return { refresh, stop: () => target.removeEventListener(ANNOUNCE, onAnnounce) };
}

/** Maps an EIP-1193 ProviderRpcError to the page's codes. */
export function toWalletError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 4001:
    case 'ACTION_REJECTED':
      return new AppError('user_rejected', { cause: error });
    case 4100:
      return new AppError('wallet_locked', { cause: error });
    case -32002:
      return new AppError('wallet_busy', { cause: error });
    case 4900:
    case 4901:
      return new AppError('wallet_disconnected', { cause: error });
    default:
      return new AppError('wallet_error', { cause: error });
  }
}

async function call(provider: Eip1193Provider, method: string, params?: readonly unknown[]): Promise<unknown> {
  try {
    return await provider.request(params === undefined ? { method } : { method, params });
  } catch (error) {
    throw toWalletError(error);
  }
}

/** The first account of an accounts array, checksummed; undefined when there is none. */
function firstAccount(accounts: unknown): string | undefined {
  return Array.isArray(accounts) ? normalizeAddress(accounts[0]) : undefined;
}

/** eth_requestAccounts: the account the wallet connects (EIP-1102), checksummed. */
export async function connectWallet(provider: Eip1193Provider): Promise<string> {
  const account = firstAccount(await call(provider, 'eth_requestAccounts'));
  if (!account) throw new AppError('wallet_locked');
  return account;
}

/** UTF-8 text as 0x-hex, the form personal_sign takes its message in. */
export function utf8ToHex(text: string): string {
  let hex = '0x';
  for (const byte of new TextEncoder().encode(text)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * personal_sign (EIP-191 version 0x45) of `message` by `address`. Refuses to ask when the wallet
 * has switched to another account since connecting: the server would refuse that signature.
 */
export async function signWithWallet(provider: Eip1193Provider, { message, address }: { message: string; address: string }): Promise<string> {
  const current = firstAccount(await call(provider, 'eth_accounts'));
  if (!current) throw new AppError('wallet_locked');
  if (current !== address) throw new AppError('wrong_account');
  const signature = await call(provider, 'personal_sign', [utf8ToHex(message), address]);
  if (typeof signature !== 'string') throw new AppError('wallet_error');
  return signature;
}

/** Why a signed-in wallet session ended on the wallet's side. */
export type WalletLoss = 'account_changed' | 'disconnected';

/**
 * Calls `onLost` once when the wallet switches away from `address` (accountsChanged), shares no
 * account any more (locked, access revoked) or disconnects (EIP-1193 §disconnect). Returns the
 * unsubscribe function.
 */
export function watchWallet(provider: Eip1193Provider, address: string, onLost: (reason: WalletLoss) => void): () => void {
  let done = false;
  const lose = (reason: WalletLoss): void => {
    if (done) return;
    done = true;
    onLost(reason);
  };
  const onAccounts = (accounts: unknown): void => {
    const account = firstAccount(accounts);
    // No account at all: the wallet locked or revoked this site's access.
    if (account === undefined) lose('disconnected');
    else if (account !== address) lose('account_changed');
  };
  const onDisconnect = (): void => lose('disconnected');
  provider.on?.('accountsChanged', onAccounts);
  provider.on?.('disconnect', onDisconnect);
  return () => {
    done = true;
    provider.removeListener?.('accountsChanged', onAccounts);
    provider.removeListener?.('disconnect', onDisconnect);
  };
}
