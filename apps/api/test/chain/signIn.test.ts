// Contract wallets signing in, end to end, on a real local chain (anvil): the server as a real
// process refusing an RPC on the wrong chain, and going on without an RPC that does not answer.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, TEST_SESSION_KEYS, useAnvil } from '@wallet-login/testkit';
import { startApiProcess, type ApiProcess } from '../support/processes';

const CHAIN_ID = 84532;

const anvil = useAnvil({ chainId: CHAIN_ID });

describe('start-up (a real process)', () => {
  let dataDir: string;
  const running: ApiProcess[] = [];
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'wallet-login-chain-main-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((api) => api.stop('SIGKILL')));
    rmSync(dataDir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string>) => {
    const api = await startApiProcess({ env: { DATA_DIR: dataDir, SESSION_KEYS: TEST_SESSION_KEYS.join(','), ...env } });
    running.push(api);
    return api;
  };

  test('an RPC on another chain than it is configured for refuses the start: exit 1, one clear line, no secret', async () => {
    const error = await start({ CHAIN_ID: '1', RPC_URLS: `1=${anvil.url}/?apikey=secret` }).then(() => undefined, (caught: unknown) => caught as Error);
    expect(error?.message).toMatch(/^the API exited with 1 before listening:\n/);
    const output = error!.message.split('\n').slice(1).filter(Boolean);
    // Everything but the one line is the JSON log.
    const plain = output.filter((line) => !line.startsWith('{'));
    expect(plain).toEqual([`wallet-login failed to start: RPC_URLS: the RPC configured for chain 1 (${anvil.url}) serves chain ${CHAIN_ID} (eth_chainId), not chain 1`]);
    expect(error!.message).not.toContain('secret');
  });

  test('an RPC that does not answer does not stop the start: a warning, and /readyz lists it without being unavailable', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const api = await start({ CHAIN_ID: String(CHAIN_ID), RPC_URLS: `${CHAIN_ID}=${down}`, RPC_TIMEOUT_MS: '500' });
    expect(api.logs()).toEqual(expect.arrayContaining([
      expect.objectContaining({ level: 40, chainId: CHAIN_ID, rpc: down, msg: expect.stringContaining('asked again before its first use') }),
    ]));
    const readyz = await fetch(`${api.url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({
      status: 'ready',
      dependencies: [{ name: 'sqlite', ok: true }, { name: `rpc:${CHAIN_ID}`, ok: false, error: expect.stringContaining('could not be reached') }],
    });
  });
});
