// The wallets in this browser, kept current as EIP-6963 announcements arrive, and whether there
// are none: wallets answer eip6963:requestProvider at once and inject window.ethereum before the
// page's scripts run, so a browser still silent a moment after load has no wallet (one installed
// or unlocked later still shows up as it announces itself).

import { useCallback, useEffect, useRef, useState } from 'react';
import { createWalletDiscovery, type Wallet, type WalletDiscovery } from './signers/wallet';

/** How long after load a silent browser is still given to announce a wallet. */
const SILENCE_MS = 300;

export interface Wallets {
  wallets: Wallet[];
  /** 'looking' just after load; then 'found' or 'none', following later announcements. */
  status: 'looking' | 'found' | 'none';
  /** Asks again (a wallet may have been installed or unlocked) and returns the list at once. */
  refresh(): Wallet[];
}

export function useWallets(): Wallets {
  const [wallets, setWallets] = useState<Wallet[]>([]);
  const [settled, setSettled] = useState(false);
  const discovery = useRef<WalletDiscovery | undefined>(undefined);
  useEffect(() => {
    const current = createWalletDiscovery(window, setWallets);
    discovery.current = current;
    const timer = setTimeout(() => setSettled(true), SILENCE_MS);
    return () => {
      clearTimeout(timer);
      current.stop();
    };
  }, []);
  const refresh = useCallback(() => {
    const found = discovery.current?.refresh() ?? [];
    // Asked and still nothing: no need to wait out the rest of the moment.
    if (found.length === 0) setSettled(true);
    return found;
  }, []);
  const status = wallets.length > 0 ? 'found' : settled ? 'none' : 'looking';
  return { wallets, status, refresh };
}
