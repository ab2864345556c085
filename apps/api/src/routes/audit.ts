// The audit log as routes write to it: one entry per sign-in attempt and per session ended, with
// the client's IP and User-Agent, appended without holding up the answer.

import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { AuditAction, Clock, Stores } from '../stores/types';

/** The stored User-Agent is cut to this length. */
const USER_AGENT_MAX = 256;

/**
 * Appends an entry for this request: `outcome` is `ok` or the error code answered; `method`, on a
 * sign-in, how the address proved itself (eoa, erc1271, erc6492).
 */
export type Audit = (ctx: Context, action: AuditAction, outcome: string, address?: string, method?: string) => void;

export interface CreateAuditOptions {
  stores: Pick<Stores, 'audit'>;
  clock: Clock;
  /** Names this process in audit entries. */
  instanceId: string;
  /** Where a failed append is reported. */
  logger: Logger;
}

export function createAudit({ stores, clock, instanceId, logger }: CreateAuditOptions): Audit {
  return (ctx, action, outcome, address, method) => {
    const userAgent = ctx.get('User-Agent').slice(0, USER_AGENT_MAX);
    stores.audit
      .append({
        at: clock.now(), action, outcome, ip: ctx.ip || 'unknown', instance: instanceId,
        ...(address !== undefined ? { address } : {}),
        ...(method !== undefined ? { method } : {}),
        ...(userAgent ? { userAgent } : {}),
      })
      .catch((err: unknown) => logger.warn({ err, action, reqId: ctx.state.requestId }, 'audit append failed'));
  };
}
