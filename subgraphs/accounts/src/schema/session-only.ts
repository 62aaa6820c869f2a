import { forbidden, requireViewer, type Viewer } from '@tradegraph/shared';

/**
 * Account-security actions (API keys, wallets, 2FA, sessions) need the user's own session:
 * an API key, even one with every scope, must never be able to mint more keys or move the
 * account's sign-in methods.
 */
export function requireUserSession(viewer: Viewer | null): Viewer {
  const signedIn = requireViewer(viewer);
  if (signedIn.apiKeyId) throw forbidden('API keys cannot change account security; sign in as the user');
  return signedIn;
}
