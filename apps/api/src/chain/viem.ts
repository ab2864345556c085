// viem, loaded for this CommonJS build, and loaded on first use. viem's package runs as
// CommonJS (its `default` export condition) but declares its types as ES modules, which
// TypeScript's node16 resolution will not let a CommonJS file import; so the types are taken as
// the ES module's (the same API) and the value is required. Loading viem takes about half a
// second, so it waits for the first property read: a process (or test file) that never checks a
// contract wallet never pays for it. Every other module imports viem from here.

import type * as Viem from 'viem' with { 'resolution-mode': 'import' };
import type * as ViemActions from 'viem/actions' with { 'resolution-mode': 'import' };
import type * as ViemAccounts from 'viem/accounts' with { 'resolution-mode': 'import' };

/** A module object whose `require` runs at the first property read. */
function loadOnUse<T extends object>(load: () => T): T {
  let loaded: T | undefined;
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get((loaded ??= load()), key),
    has: (_, key) => Reflect.has((loaded ??= load()), key),
  });
}

export const viem: typeof Viem = loadOnUse(() => require('viem'));
export const viemActions: typeof ViemActions = loadOnUse(() => require('viem/actions'));
export const viemAccounts: typeof ViemAccounts = loadOnUse(() => require('viem/accounts'));
export type { Viem, ViemActions, ViemAccounts };
