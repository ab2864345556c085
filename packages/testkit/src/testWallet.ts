// A test wallet for the browser tests: an EIP-1193 provider injected into the page before its own
// scripts (page.addInitScript), announced with EIP-6963 and/or set as window.ethereum, whose
// requests are answered in node (page.exposeFunction) by a test private key. Tests steer it: say
// no (EIP-1193 4001), be locked (4100), sign with another account, switch accounts, disconnect,
// or take its time (hold a request open until the test lets it answer, like a person who has not
// looked at the wallet yet). A smart wallet (`smartWallet`) shares a contract's address and signs
// for it as a contract wallet does: its owner key's signature, as is (ERC-1271, a deployed wallet
// that checks its owner's signature) or wrapped (ERC-6492, a wallet not deployed yet).

import type { Page } from 'playwright-core';
import { normalizeAddress } from '@wallet-login/challenge';
import { privateKeyToAddress, signMessage } from './keys';

/** A square data: URI icon in `color`, as EIP-6963 wallets announce theirs. */
export function iconDataUri(color: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="${color}"/><circle cx="16" cy="16" r="7" fill="#fff"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

export interface TestWalletOptions {
  /** Private keys of the wallet's accounts; the first is the selected one. */
  keys: string[];
  /** @default 'Test Wallet' */
  name?: string;
  /** @default 'org.example.testwallet' */
  rdns?: string;
  /** @default a purple square */
  icon?: string;
  /** Announce through EIP-6963. @default true */
  announce?: boolean;
  /** Also set window.ethereum (EIP-1193's injected provider). @default true */
  injected?: boolean;
  /**
   * A smart (contract) wallet: it shares `address` as its one account, and personal_sign answers
   * with `keys[0]`'s EIP-191 signature passed through `wrap`.
   * @default a key-pair wallet, whose accounts are the keys' addresses
   */
  smartWallet?: SmartWalletOptions;
}

export interface SmartWalletOptions {
  /** The contract wallet's address. */
  address: string;
  /**
   * Makes the wallet's signature from its owner key's: e.g. the ERC-6492 wrapper of a wallet not
   * yet deployed, which may be kilobytes long.
   * @default the owner's signature as is (ERC-1271 of a deployed wallet that checks its owner's signature)
   */
  wrap?: (ownerSignature: string) => string;
}

/** How the wallet answers; tests change it between steps. */
export interface TestWalletBehaviour {
  /** eth_requestAccounts answers 4001 (the person declines to connect). */
  rejectConnect: boolean;
  /** personal_sign answers 4001 (the person declines to sign). */
  rejectSign: boolean;
  /** Locked: eth_requestAccounts answers 4100, eth_accounts []. */
  locked: boolean;
  /** Signs with this key instead of the selected account's (a faulty or switched wallet). */
  signWith?: string;
  /** Runs when the person is "looking at" the connection request, before it is answered. */
  beforeConnect?: () => void | Promise<void>;
  /** Runs when the person is "looking at" the signature request, before it is answered. */
  beforeSign?: () => void | Promise<void>;
}

/** A request the wallet keeps open until `release()`: see TestWallet.hold. */
export interface HeldRequest {
  /** Resolves once the page has made the request (the wallet is "showing" it). */
  readonly asked: Promise<void>;
  /** Lets the wallet answer. */
  release(): void;
}

interface RpcAnswer {
  result?: unknown;
  error?: { code: number; message: string };
}

const rpcError = (code: number, message: string): RpcAnswer => ({ error: { code, message } });

export class TestWallet {
  readonly name: string;
  readonly rdns: string;
  readonly icon: string;
  readonly announce: boolean;
  readonly injected: boolean;
  readonly keys: readonly string[];
  /** EIP-55 addresses of `keys`. */
  readonly addresses: readonly string[];
  selected = 0;
  behaviour: TestWalletBehaviour = { rejectConnect: false, rejectSign: false, locked: false };
  /** Every request the page made, in order. */
  readonly requests: Array<{ method: string; params: unknown[] }> = [];
  /** The text of every message signed. */
  readonly signed: string[] = [];
  /** Every signature the wallet answered with, in order. */
  readonly signatures: string[] = [];
  readonly smartWallet: SmartWalletOptions | undefined;
  private page: Page | undefined;
  private index = -1;

  constructor(options: TestWalletOptions) {
    this.keys = options.keys;
    this.smartWallet = options.smartWallet;
    if (options.smartWallet !== undefined) {
      const address = normalizeAddress(options.smartWallet.address);
      if (address === undefined) throw new Error(`smartWallet.address ${options.smartWallet.address} is not an address`);
      this.addresses = [address];
    } else {
      this.addresses = options.keys.map((key) => privateKeyToAddress(key));
    }
    this.name = options.name ?? 'Test Wallet';
    this.rdns = options.rdns ?? 'org.example.testwallet';
    this.icon = options.icon ?? iconDataUri('#7c3aed');
    this.announce = options.announce ?? true;
    this.injected = options.injected ?? true;
  }

  get address(): string {
    return this.addresses[this.selected] as string;
  }

  /** Answers one EIP-1193 request from the page. */
  async handle(method: string, params: unknown[]): Promise<RpcAnswer> {
    this.requests.push({ method, params });
    switch (method) {
      case 'eth_requestAccounts':
        await this.behaviour.beforeConnect?.();
        if (this.behaviour.locked) return rpcError(4100, 'The wallet is locked.');
        if (this.behaviour.rejectConnect) return rpcError(4001, 'User rejected the request.');
        return { result: [this.address.toLowerCase()] };
      case 'eth_accounts':
        return { result: this.behaviour.locked ? [] : [this.address.toLowerCase()] };
      case 'eth_chainId':
        return { result: '0x1' };
      case 'personal_sign': {
        const [data, from] = params;
        if (typeof data !== 'string' || !/^0x([0-9a-f]{2})*$/i.test(data) || typeof from !== 'string') {
          return rpcError(-32602, 'Invalid params.');
        }
        if (from.toLowerCase() !== this.address.toLowerCase()) return rpcError(4100, 'That account is not authorised.');
        await this.behaviour.beforeSign?.();
        if (this.behaviour.rejectSign) return rpcError(4001, 'User denied message signature.');
        const message = Buffer.from(data.slice(2), 'hex').toString('utf8');
        this.signed.push(message);
        const key = this.behaviour.signWith ?? (this.keys[this.smartWallet ? 0 : this.selected] as string);
        const ownerSignature = signMessage({ message, privateKey: key });
        const signature = this.smartWallet ? (this.smartWallet.wrap ?? ((given: string) => given))(ownerSignature) : ownerSignature;
        this.signatures.push(signature);
        return { result: signature };
      }
      default:
        return rpcError(4200, `The method ${method} is not supported.`);
    }
  }

  /**
   * Keeps the next connection ('connect') or signature ('sign') request open until `release()`,
   * then answers it as the behaviour says: a slow wallet, or one left unanswered while the page
   * moves on.
   */
  hold(request: 'connect' | 'sign'): HeldRequest {
    let asked = (): void => undefined;
    let release = (): void => undefined;
    const askedPromise = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hook = async (): Promise<void> => {
      asked();
      await released;
    };
    if (request === 'connect') this.behaviour.beforeConnect = hook;
    else this.behaviour.beforeSign = hook;
    return { asked: askedPromise, release };
  }

  /** Selects another account and tells the page (EIP-1193 accountsChanged). */
  async switchAccount(index: number): Promise<void> {
    this.selected = index;
    await this.emit('accountsChanged', [this.address.toLowerCase()]);
  }

  /** EIP-1193 disconnect. */
  async disconnect(): Promise<void> {
    await this.emit('disconnect', { code: 4900, message: 'Disconnected.' });
  }

  private async emit(event: string, payload: unknown): Promise<void> {
    const page = this.page;
    if (!page) throw new Error('the wallet is not installed in a page');
    await page.evaluate(
      ({ index, event, payload }) => (window as unknown as { __testWalletEmit(i: number, e: string, p: unknown): void }).__testWalletEmit(index, event, payload),
      { index: this.index, event, payload },
    );
  }

  /** Called by installTestWallets. */
  attach(page: Page, index: number): void {
    this.page = page;
    this.index = index;
  }
}

interface InjectedWalletConfig {
  uuid: string;
  name: string;
  rdns: string;
  icon: string;
  announce: boolean;
  injected: boolean;
}

/**
 * Runs in the page, before its scripts, on every load: builds one EIP-1193 provider per wallet,
 * answers `eip6963:requestProvider` and announces at once, sets window.ethereum. Self-contained:
 * it is serialised into the page.
 */
function injectWallets(configs: InjectedWalletConfig[]): void {
  type Listener = (payload: unknown) => void;
  const bridge = window as unknown as {
    __testWalletRequest(index: number, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string } }>;
    __testWalletEmit?: (index: number, event: string, payload: unknown) => void;
    ethereum?: unknown;
  };
  const wallets = configs.map((config, index) => {
    const listeners = new Map<string, Set<Listener>>();
    const provider = {
      isTestWallet: true,
      async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
        const answer = await bridge.__testWalletRequest(index, method, params ?? []);
        if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      },
      on(event: string, listener: Listener) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)?.add(listener);
        return provider;
      },
      removeListener(event: string, listener: Listener) {
        listeners.get(event)?.delete(listener);
        return provider;
      },
    };
    return { config, provider, listeners };
  });
  bridge.__testWalletEmit = (index, event, payload) => {
    wallets[index]?.listeners.get(event)?.forEach((listener) => listener(payload));
  };
  const announce = (): void => {
    for (const { config, provider } of wallets) {
      if (!config.announce) continue;
      const info = Object.freeze({ uuid: config.uuid, name: config.name, icon: config.icon, rdns: config.rdns });
      window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
    }
  };
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
  const injected = wallets.find(({ config }) => config.injected);
  if (injected) bridge.ethereum = injected.provider;
}

/** Puts `wallets` into `page` (this load and every reload); call before the first goto. */
export async function installTestWallets(page: Page, wallets: TestWallet[]): Promise<void> {
  wallets.forEach((wallet, index) => wallet.attach(page, index));
  await page.exposeFunction('__testWalletRequest', (index: number, method: string, params: unknown[]) => {
    const wallet = wallets[index];
    return wallet ? wallet.handle(method, params) : rpcError(4900, 'No such wallet.');
  });
  const configs: InjectedWalletConfig[] = wallets.map((wallet, index) => ({
    uuid: `00000000-0000-4000-8000-00000000000${index}`,
    name: wallet.name,
    rdns: wallet.rdns,
    icon: wallet.icon,
    announce: wallet.announce,
    injected: wallet.injected,
  }));
  await page.addInitScript(injectWallets, configs);
}
