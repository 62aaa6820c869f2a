import { forbidden, requireViewer, unauthenticated, type SubgraphContext, type Viewer } from '@tradegraph/shared';
import { SessionRecord } from '../store';

/**
 * Account-security actions (API keys, wallets, 2FA, sessions) need the user's own session, and
 * a live one:
 * - an API key, even one with every scope, must never be able to mint more keys or move the
 *   account's sign-in methods;
 * - an access token outlives its session by up to 15 minutes (it is a stateless JWT). Every
 *   process already refuses tokens of sessions it has heard were ended (shared
 *   session-revocations.ts), but that list lives in Redis; here, where the sessions are, the
 *   database itself is asked, so a logged-out or stolen-and-revoked token can never change how
 *   the account is reached, even should Redis have lost the list.
 */
export async function requireUserSession(ctx: Pick<SubgraphContext, 'viewer' | 'em'>): Promise<Viewer> {
  const signedIn = requireViewer(ctx.viewer);
  if (signedIn.apiKeyId) throw forbidden('API keys cannot change account security; sign in as the user');
  if (!signedIn.sessionId) throw unauthenticated('This token belongs to no session; sign in again');
  const live = await ctx.em.count(SessionRecord, { id: signedIn.sessionId, userId: signedIn.userId, revokedAt: null, expiresAt: { $gt: new Date() } });
  if (live === 0) throw unauthenticated('This session has ended; sign in again');
  return signedIn;
}
