// The wallets in this browser, kept current as EIP-6963 announcements arrive.

import { useCallback, useEffect, useRef, useState } from 'react';
import { createWalletDiscovery, type Wallet, type WalletDiscovery } from './signers/wallet';

export interface Wallets {
  wallets: Wallet[];
  /** Asks again (a wallet may have been installed or unlocked) and returns the list at once. */
  refresh(): Wallet[];
}

export function useWallets(): Wallets {
  const [wallets, setWallets] = useState<Wallet[]>([]);
  const discovery = useRef<WalletDiscovery | undefined>(undefined);
  useEffect(() => {
    const current = createWalletDiscovery(window, setWallets);
    discovery.current = current;
    return () => current.stop();
  }, []);
  const refresh = useCallback(() => discovery.current?.refresh() ?? [], []);
  return { wallets, refresh };
}
