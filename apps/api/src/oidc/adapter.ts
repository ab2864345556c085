// oidc-provider's storage adapter (its example/my_adapter.js interface) over the stores: every
// model in the OidcStore (SQLite, or Redis with REDIS_URL), so each instance sees the codes,
// tokens, grants, sessions and interactions of the others; the Client model read from the
// clients store on every lookup, so a client added or removed with the CLI is seen at once.
//
// consume is atomic across instances: of two redemptions of one authorization code (or one
// refresh token) racing on two instances, the store lets exactly one mark it, and the other is
// refused as invalid_grant with the grant revoked (RFC 6749 §4.1.2: a code used twice revokes the
// tokens issued for it; OAuth 2.0 Security BCP §4.14.2 for refresh tokens).

import type { Clock, Stores } from '../stores/types';
import { toClientMetadata } from './clients';

/** The oidc-provider error classes the adapter throws. */
export interface AdapterErrors {
  InvalidGrant: new (description: string) => Error;
}

export interface OidcAdapter {
  upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void>;
  find(id: string): Promise<Record<string, unknown> | undefined>;
  findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined>;
  findByUid(uid: string): Promise<Record<string, unknown> | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export type OidcAdapterConstructor = new (model: string) => OidcAdapter;

/** The adapter class oidc-provider instantiates once per model name. */
export function createOidcAdapter(options: { stores: Pick<Stores, 'oidc' | 'clients'>; clock: Clock; errors: AdapterErrors }): OidcAdapterConstructor {
  const { stores, clock, errors } = options;
  const { oidc } = stores;
  return class StoreAdapter implements OidcAdapter {
    readonly #model: string;

    constructor(model: string) {
      this.#model = model;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> {
      // Clients are registered with the CLI only (no dynamic registration).
      if (this.#model === 'Client') return;
      await oidc.upsert(this.#model, id, payload, expiresIn * 1000);
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      if (this.#model === 'Client') {
        const client = await stores.clients.get(id);
        return client === undefined ? undefined : toClientMetadata(client);
      }
      return oidc.find(this.#model, id);
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      return oidc.findByUserCode(this.#model, userCode);
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      return oidc.findByUid(this.#model, uid);
    }

    async consume(id: string): Promise<void> {
      if (await oidc.consume(this.#model, id, Math.floor(clock.now() / 1000))) return;
      // Lost the race to another redemption (or the record is gone): refuse, and revoke what
      // was issued for it.
      const payload = await oidc.find(this.#model, id);
      if (typeof payload?.grantId === 'string') await revokeGrant(oidc, payload.grantId);
      throw new errors.InvalidGrant(`${this.#model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already used`);
    }

    async destroy(id: string): Promise<void> {
      if (this.#model === 'Client') return;
      await oidc.destroy(this.#model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await oidc.revokeByGrantId(this.#model, grantId);
    }
  };
}

/** The models whose records are issued under a grant (oidc-provider's revoke helper lists the same). */
export const GRANT_BOUND_MODELS = ['AuthorizationCode', 'AccessToken', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'] as const;

/** Deletes grant `grantId` and everything issued under it. */
export async function revokeGrant(oidc: Stores['oidc'], grantId: string): Promise<void> {
  for (const model of GRANT_BOUND_MODELS) await oidc.revokeByGrantId(model, grantId);
  await oidc.destroy('Grant', grantId);
}
