import { randomUUID } from 'node:crypto';
import {
  SCOPES,
  decodeCursor,
  newestFirstAfter,
  newestFirstCursor,
  pageSize,
  toConnection,
  type Connection,
  type Viewer,
} from '@tradegraph/shared';
import { forbidden, notFound, unauthenticated } from '../domain/errors';
import { normalizeEmail } from '../domain/email';
import { LOGIN_CHALLENGE_TTL_SECONDS, hashOpaqueToken, isUuid, newOpaqueToken, refreshExpiry } from '../domain/sessions';
import { LoginChallengeRecord, RefreshTokenRecord, SessionRecord } from '../infra/entities/sessions';
import { UserRecord } from '../infra/entities/users';
import { endSession, isLiveSession, isNewDevice } from '../infra/sessions';
import { signAccessToken } from '../infra/token-signing';
import { checkSecondFactor, hasTwoFactor } from '../infra/two-factor';
import type { Caller } from './caller';
import { accountEvent, withAccountEvents } from './account-events';

/** What every successful sign-in answers: tokens of a new or refreshed session, and the user. */
export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  user: UserRecord;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  sessionId: string;
}

/** The password step of a login with 2FA on: the code must follow with this challenge. */
export interface SecondFactorChallenge {
  challenge: string;
  expiresAt: Date;
}

/** Signs an access token for the session and gives it a fresh refresh token; flushes `ctx.em`. */
async function issueTokens(user: UserRecord, session: SessionRecord, ctx: Caller, now = new Date()): Promise<IssuedTokens> {
  const refreshToken = newOpaqueToken();
  const refresh = ctx.em.create(RefreshTokenRecord, {
    tokenHash: hashOpaqueToken(refreshToken),
    sessionId: session.id,
    createdAt: now,
    expiresAt: refreshExpiry(session.expiresAt, ctx.services.settings.sessions.refreshTokenTtlSeconds, now),
    spentAt: null,
  });
  await ctx.em.persistAndFlush(refresh);
  const key = await ctx.services.signingKeys.activeKey();
  const { token, expiresAt } = await signAccessToken(key, { userId: user.id, roles: user.roles, sessionId: session.id }, now);
  // The rest of this response is answered as the signed-in user.
  ctx.viewer = { userId: user.id, roles: user.roles, scopes: [...SCOPES], sessionId: session.id };
  return {
    accessToken: token,
    accessTokenExpiresAt: expiresAt,
    user,
    refreshToken,
    refreshTokenExpiresAt: refresh.expiresAt,
    sessionId: session.id,
  };
}

/**
 * Starts a session for a user who has proven who they are (password and second factor, SIWE,
 * OIDC, sign-up): every way of signing in ends here.
 */
export async function startSession(user: UserRecord, ctx: Caller): Promise<IssuedTokens> {
  const now = new Date();
  const userAgent = ctx.userAgent?.slice(0, 512) ?? null;
  const session = ctx.em.create(SessionRecord, {
    id: randomUUID(),
    userId: user.id,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + ctx.services.settings.sessions.sessionTtlSeconds * 1000),
    revokedAt: null,
    revokedReason: null,
    ip: ctx.clientIp ?? null,
    userAgent,
  });
  const events = (await isNewDevice(ctx.em, user.id, userAgent))
    ? [accountEvent('account.login_new_device', user.id, { sessionId: session.id, ip: session.ip, userAgent, at: now.toISOString() })]
    : [];
  return withAccountEvents(ctx, events, async () => {
    // Flushed first: the unit of work does not know the refresh token's row depends on this one.
    await ctx.em.persistAndFlush(session);
    return issueTokens(user, session, ctx, now);
  });
}

/**
 * The end of every sign-in (password, Sign-In with Ethereum, OIDC): tokens, or — when the user
 * has 2FA on — a short-lived challenge that `completeLogin` redeems with a code. No sign-in
 * method skips the second factor.
 */
export async function signInOrChallenge(user: UserRecord, ctx: Caller): Promise<IssuedTokens | SecondFactorChallenge> {
  if (!(await hasTwoFactor(ctx.em, user.id))) return startSession(user, ctx);
  const challenge = newOpaqueToken();
  const expiresAt = new Date(Date.now() + LOGIN_CHALLENGE_TTL_SECONDS * 1000);
  ctx.em.create(LoginChallengeRecord, { challengeHash: hashOpaqueToken(challenge), userId: user.id, expiresAt, usedAt: null });
  await ctx.em.flush();
  return { challenge, expiresAt };
}

export async function login(ctx: Caller, rawEmail: string, password: string): Promise<IssuedTokens | SecondFactorChallenge> {
  // Normalized as at sign-up; a malformed address is bad input, not a guess, and names no counter.
  const email = normalizeEmail(rawEmail);
  return ctx.services.attempts.guard('login', { account: email, ip: ctx.clientIp }, async () => {
    const user = await ctx.em.findOne(UserRecord, { email });
    // Same answer for an unknown email and a wrong password: no account enumeration.
    if (!(await ctx.services.passwords.matches(user?.passwordHash, password)) || !user) throw unauthenticated('Wrong email or password');
    return signInOrChallenge(user, ctx);
  });
}

export async function completeLogin(ctx: Caller, challenge: string, code: string): Promise<IssuedTokens> {
  const challengeHash = hashOpaqueToken(challenge);
  const pending = await ctx.em.findOne(LoginChallengeRecord, { challengeHash, usedAt: null, expiresAt: { $gt: new Date() } });
  return ctx.services.attempts.guard('two-factor', { account: pending?.userId, ip: ctx.clientIp }, async () => {
    if (!pending) throw unauthenticated('The login challenge is unknown, used or expired; sign in again');
    if (!(await checkSecondFactor(ctx.em, pending.userId, code))) throw unauthenticated('Wrong code');
    const claimed = await ctx.em.nativeUpdate(LoginChallengeRecord, { challengeHash, usedAt: null }, { usedAt: new Date() });
    if (claimed !== 1) throw unauthenticated('The login challenge is unknown, used or expired; sign in again');
    const user = await ctx.em.findOne(UserRecord, { id: pending.userId });
    if (!user) throw unauthenticated('The account no longer exists');
    return startSession(user, ctx);
  });
}

export async function refreshSession(ctx: Caller, refreshToken: string): Promise<IssuedTokens> {
  const tokenHash = hashOpaqueToken(refreshToken);
  const now = new Date();
  const record = await ctx.em.findOne(RefreshTokenRecord, { tokenHash });
  if (!record) throw unauthenticated('The refresh token is not valid');
  // Spending is one conditional update, so of two requests with one token only one wins.
  const spent = record.spentAt ? 0 : await ctx.em.nativeUpdate(RefreshTokenRecord, { tokenHash, spentAt: null }, { spentAt: now });
  if (spent !== 1) {
    // A spent token came back: it was stolen or the client is confused. Either way nobody
    // may go on with this family, the thief nor the owner (who signs in again).
    await endSession(ctx.em, { id: record.sessionId }, 'refresh-token-reuse', now);
    await ctx.services.sessionRevocations.sessionEnded(record.sessionId, now, ctx.logger);
    ctx.logger.warn({ sessionId: record.sessionId }, 'refresh token reused; session revoked');
    throw unauthenticated('This refresh token was already used; the session is revoked, sign in again');
  }
  const session = await ctx.em.findOne(SessionRecord, { id: record.sessionId });
  if (!session || session.revokedAt || session.expiresAt <= now || record.expiresAt <= now) {
    throw unauthenticated('The session has ended; sign in again');
  }
  const user = await ctx.em.findOne(UserRecord, { id: session.userId });
  if (!user) throw unauthenticated('The account no longer exists');
  session.lastUsedAt = now;
  return issueTokens(user, session, ctx, now);
}

/**
 * Refuses a viewer whose session has ended, asking the database itself (never a cache): see
 * api/session-only.ts for why account-security actions need this.
 */
export async function assertLiveSession(ctx: Pick<Caller, 'em'>, viewer: Viewer & { sessionId: string }): Promise<void> {
  if (!(await isLiveSession(ctx.em, viewer.sessionId, viewer.userId))) throw unauthenticated('This session has ended; sign in again');
}

/** Ends the viewer's own session; whether it was still live. */
export async function logout(ctx: Caller, viewer: Viewer & { sessionId: string }): Promise<boolean> {
  const ended = await endSession(ctx.em, { id: viewer.sessionId, userId: viewer.userId }, 'logout');
  await ctx.services.sessionRevocations.sessionEnded(viewer.sessionId, new Date(), ctx.logger);
  return ended;
}

/** The viewer's live sessions, newest first. */
export async function liveSessions(ctx: Caller, viewer: Viewer, first?: number, after?: string): Promise<Connection<SessionRecord>> {
  const size = pageSize(first);
  const cursor = decodeCursor(after);
  const rows = await ctx.em.find(
    SessionRecord,
    { userId: viewer.userId, revokedAt: null, expiresAt: { $gt: new Date() }, ...newestFirstAfter(cursor, 'id') },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
  );
  return toConnection(rows, size, (s) => newestFirstCursor(s.createdAt, s.id), Boolean(cursor));
}

/** Ends one of the viewer's sessions (another device, say); the session as it is now. */
export async function revokeSession(ctx: Caller, viewer: Viewer, id: string): Promise<SessionRecord> {
  const session = isUuid(id) ? await ctx.em.findOne(SessionRecord, { id }) : null;
  if (!session) throw notFound('No such session');
  if (session.userId !== viewer.userId) throw forbidden('This session is not yours');
  if (!session.revokedAt) {
    session.revokedAt = new Date();
    session.revokedReason = 'revoked';
    await ctx.em.flush();
    await ctx.services.sessionRevocations.sessionEnded(session.id, new Date(), ctx.logger);
  }
  return session;
}
