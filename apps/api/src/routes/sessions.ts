// The signed-in person's sessions, under /api/auth: GET /me, POST /logout, GET /sessions,
// DELETE /sessions/:id (revoke one) and POST /logout-all. Each acts through the session layer's
// verbs (middleware/session.ts); ending a session is audited.

import Router from 'koa-router';
import { ApiError } from '../errors';
import type { Session, SessionState, SignedIn } from '../middleware/session';
import type { Audit } from './audit';

export interface SessionRoutesOptions {
  audit: Audit;
}

export function sessionRoutes({ audit }: SessionRoutesOptions): Router<SessionState> {
  const router = new Router<SessionState>({ sensitive: true });

  router.get('/me', (ctx) => {
    ctx.body = requireSignedIn(ctx.state.session);
  });

  // Signed in or not, the answer is 204: the cookie is cleared either way.
  router.post('/logout', async (ctx) => {
    const address = await ctx.state.session.end();
    if (address !== undefined) audit(ctx, 'logout', 'ok', address);
    ctx.status = 204;
  });

  router.get('/sessions', async (ctx) => {
    requireSignedIn(ctx.state.session);
    const sessions = await ctx.state.session.list();
    ctx.body = { sessions: sessions.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0)) };
  });

  router.delete('/sessions/:id', async (ctx) => {
    const { address } = requireSignedIn(ctx.state.session);
    // Only the signed-in address's own sessions can be revoked; anything else is "not found".
    if (!(await ctx.state.session.revoke(ctx.params.id ?? ''))) throw new ApiError('not_found', 'No such session of yours.');
    audit(ctx, 'revoke', 'ok', address);
    ctx.status = 204;
  });

  router.post('/logout-all', async (ctx) => {
    const { address } = requireSignedIn(ctx.state.session);
    const revoked = await ctx.state.session.endAll();
    audit(ctx, 'logout_all', 'ok', address);
    ctx.body = { revoked };
  });

  return router;
}

function requireSignedIn(session: Session): SignedIn {
  const signedIn = session.signedIn();
  if (signedIn === undefined) throw new ApiError('unauthenticated', 'Not signed in.');
  return signedIn;
}
