import { forbidden, requireViewer, unauthenticated, type Viewer } from '@tradegraph/shared';
import { assertLiveSession } from '../app/sessions';
import type { Context } from './context';

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
export async function requireUserSession(ctx: Pick<Context, 'viewer' | 'em'>): Promise<Viewer & { sessionId: string }> {
  const signedIn = requireViewer(ctx.viewer);
  if (signedIn.apiKeyId) throw forbidden('API keys cannot change account security; sign in as the user');
  if (!signedIn.sessionId) throw unauthenticated('This token belongs to no session; sign in again');
  const viewer = signedIn as Viewer & { sessionId: string };
  await assertLiveSession(ctx, viewer);
  return viewer;
}
