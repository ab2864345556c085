// The audit log as routes write to it: one entry per sign-in attempt and per session ended, with
// the client's IP and User-Agent. An accepted sign-in's entry goes to the session layer, which
// has it recorded with the session (`audit.entry` → Session.rotate → SessionStore.set), so no
// signed-in session exists without it. Failed attempts and sessions ended are appended without
// holding up the answer: a failed append is logged, and the answer stands.

import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { AuditAction, AuditEntry, Clock, Stores } from '../stores/types';

/** The stored User-Agent is cut to this length. */
const USER_AGENT_MAX = 256;

export interface Audit {
  /**
   * Appends an entry for this request, without waiting for it: `outcome` is `ok` or the error
   * code answered. For failed attempts and ended sessions; `method` as for `entry`.
   */
  (ctx: Context, action: AuditAction, outcome: string, address?: string, method?: string): void;
  /**
   * The entry for this request, for the session layer to record with the session (Session.rotate);
   * `method`, on a sign-in, how the address proved itself (eoa, erc1271, erc6492).
   */
  entry(ctx: Context, action: AuditAction, outcome: string, address?: string, method?: string): AuditEntry;
}

export interface CreateAuditOptions {
  stores: Pick<Stores, 'audit'>;
  clock: Clock;
  /** Names this process in audit entries. */
  instanceId: string;
  /** Where a failed append is reported. */
  logger: Logger;
}

export function createAudit({ stores, clock, instanceId, logger }: CreateAuditOptions): Audit {
  const entry: Audit['entry'] = (ctx, action, outcome, address, method) => {
    const userAgent = ctx.get('User-Agent').slice(0, USER_AGENT_MAX);
    return {
      at: clock.now(), action, outcome, ip: ctx.ip || 'unknown', instance: instanceId,
      ...(address !== undefined ? { address } : {}),
      ...(method !== undefined ? { method } : {}),
      ...(userAgent ? { userAgent } : {}),
    };
  };
  const append = (ctx: Context, action: AuditAction, outcome: string, address?: string, method?: string): void => {
    stores.audit
      .append(entry(ctx, action, outcome, address, method))
      .catch((err: unknown) => logger.warn({ err, action, reqId: ctx.state.requestId }, 'audit append failed'));
  };
  return Object.assign(append, { entry });
}
