import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  Access,
  SCOPES,
  badInput,
  canReadUserData,
  conflict,
  decodeCursor,
  forbidden,
  newestFirstAfter,
  newestFirstCursor,
  notFound,
  pageSize,
  sessionRevocations,
  toConnection,
  unauthenticated,
  type Connection,
  type SubgraphContext,
  type Viewer,
} from '@tradegraph/shared';
import {
  LoginChallengeRecord,
  RecoveryCodeRecord,
  RefreshTokenRecord,
  SessionRecord,
  TwoFactorRecord,
  UserRecord,
  type AccountsLoaders,
} from '../store';
import { guardAttempt } from '../domain/attempts';
import { normalizeEmail } from '../domain/email';
import { LOGIN_CHALLENGE_TTL_SECONDS, hashOpaqueToken, newOpaqueToken, refreshExpiry, sessionTtlSeconds } from '../domain/sessions';
import { checkSecondFactor, hasTwoFactor, hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpStep } from '../domain/two-factor';
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from '../domain/tokens';
import { requireUserSession } from './session-only';
import { keyStore } from './resolvers';
import { AuthPayload, User } from './types';
import { LoginResult, Session, SessionConnection, TwoFactorActivation, TwoFactorChallenge, TwoFactorEnrolment } from './session-types';

type Context = SubgraphContext<AccountsLoaders>;

/** Signs an access token for the session and gives it a fresh refresh token; flushes `ctx.em`. */
async function issueTokens(user: UserRecord, session: SessionRecord, ctx: Context, now = new Date()): Promise<AuthPayload> {
  if (!keyStore.current) throw new Error('signing keys are not loaded');
  const refreshToken = newOpaqueToken();
  const refresh = ctx.em.create(RefreshTokenRecord, {
    tokenHash: hashOpaqueToken(refreshToken),
    sessionId: session.id,
    createdAt: now,
    expiresAt: refreshExpiry(session.expiresAt, now),
    spentAt: null,
  });
  await ctx.em.persistAndFlush(refresh);
  const key = await keyStore.current.activeKey();
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
export async function startSession(user: UserRecord, ctx: Context): Promise<AuthPayload> {
  const now = new Date();
  const session = ctx.em.create(SessionRecord, {
    id: randomUUID(),
    userId: user.id,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + sessionTtlSeconds() * 1000),
    revokedAt: null,
    revokedReason: null,
    ip: ctx.clientIp ?? null,
    userAgent: ctx.userAgent?.slice(0, 512) ?? null,
  });
  // Flushed first: the unit of work does not know the refresh token's row depends on this one.
  await ctx.em.persistAndFlush(session);
  return issueTokens(user, session, ctx, now);
}

/** Session management and sign-in methods: the user's own live session (session-only.ts). */
const requireLiveSession = (ctx: Context): Promise<Viewer> => requireUserSession(ctx);

/**
 * Tells every verifier in the system that `sessionId` has ended: its access tokens, which live
 * on for up to ACCESS_TOKEN_TTL_SECONDS, are refused from now on (shared session-revocations.ts).
 * The database row is the truth; should Redis be unreachable the revocation is logged and the
 * answer stands, since account-security actions check the row itself.
 */
export async function announceEndedSession(ctx: Context, sessionId: string, endedAt = new Date()): Promise<void> {
  try {
    await sessionRevocations().revoke(sessionId, new Date(endedAt.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000));
  } catch (error) {
    ctx.logger.error({ err: error, sessionId }, 'could not announce an ended session; its access tokens live on outside accounts');
  }
}

/** Comparing against a fixed hash for unknown emails keeps both answers equally slow. */
let decoyHash: Promise<string> | undefined;
async function passwordMatches(hash: string | null | undefined, password: string): Promise<boolean> {
  if (!hash) {
    decoyHash ??= argon2.hash(newOpaqueToken(), { type: argon2.argon2id });
    await argon2.verify(await decoyHash, password);
    return false;
  }
  return argon2.verify(hash, password);
}

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
const sessionCursor = (s: SessionRecord) => newestFirstCursor(s.createdAt, s.id);

function toSession(record: SessionRecord, viewer: Viewer | null): Session {
  return {
    id: record.id,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    expiresAt: record.expiresAt,
    ip: record.ip,
    userAgent: record.userAgent,
    current: viewer?.sessionId === record.id,
  };
}

/**
 * The end of every sign-in (password, Sign-In with Ethereum, OIDC): tokens, or — when the user
 * has 2FA on — a short-lived challenge that `completeLogin` redeems with a code. No sign-in
 * method skips the second factor.
 */
export async function signInOrChallenge(user: UserRecord, ctx: Context): Promise<AuthPayload | TwoFactorChallenge> {
  if (!(await hasTwoFactor(ctx.em, user.id))) return startSession(user, ctx);
  const challenge = newOpaqueToken();
  const expiresAt = new Date(Date.now() + LOGIN_CHALLENGE_TTL_SECONDS * 1000);
  ctx.em.create(LoginChallengeRecord, { challengeHash: hashOpaqueToken(challenge), userId: user.id, expiresAt, usedAt: null });
  await ctx.em.flush();
  return { challenge, expiresAt };
}

@Resolver()
export class SessionResolver {
  @Access('public')
  @Mutation(() => LoginResult, {
    description: 'Sign in with email and password. With 2FA on, answers a challenge for `completeLogin` instead of tokens.',
  })
  async login(
    @Arg('email') rawEmail: string,
    @Arg('password') password: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload | TwoFactorChallenge> {
    // Normalized as at sign-up; a malformed address is bad input, not a guess, and names no counter.
    const email = normalizeEmail(rawEmail);
    return guardAttempt('login', { account: email, ip: ctx.clientIp }, async () => {
      const user = await ctx.em.findOne(UserRecord, { email });
      // Same answer for an unknown email and a wrong password: no account enumeration.
      if (!(await passwordMatches(user?.passwordHash, password)) || !user) throw unauthenticated('Wrong email or password');
      return signInOrChallenge(user, ctx);
    });
  }

  @Access('public')
  @Mutation(() => AuthPayload, { description: 'Second step of a 2FA login: the challenge from `login` and a TOTP or recovery code' })
  async completeLogin(@Arg('challenge') challenge: string, @Arg('code') code: string, @Ctx() ctx: Context): Promise<AuthPayload> {
    const challengeHash = hashOpaqueToken(challenge);
    const pending = await ctx.em.findOne(LoginChallengeRecord, { challengeHash, usedAt: null, expiresAt: { $gt: new Date() } });
    return guardAttempt('two-factor', { account: pending?.userId, ip: ctx.clientIp }, async () => {
      if (!pending) throw unauthenticated('The login challenge is unknown, used or expired; sign in again');
      if (!(await checkSecondFactor(ctx.em, pending.userId, code))) throw unauthenticated('Wrong code');
      const claimed = await ctx.em.nativeUpdate(LoginChallengeRecord, { challengeHash, usedAt: null }, { usedAt: new Date() });
      if (claimed !== 1) throw unauthenticated('The login challenge is unknown, used or expired; sign in again');
      const user = await ctx.em.findOne(UserRecord, { id: pending.userId });
      if (!user) throw unauthenticated('The account no longer exists');
      return startSession(user, ctx);
    });
  }

  @Access('public')
  @Mutation(() => AuthPayload, {
    description:
      'Trade a refresh token for a new access token and refresh token. Each refresh token works once; presenting a used one ends the whole session.',
  })
  async refreshSession(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: Context): Promise<AuthPayload> {
    const tokenHash = hashOpaqueToken(refreshToken);
    const now = new Date();
    const record = await ctx.em.findOne(RefreshTokenRecord, { tokenHash });
    if (!record) throw unauthenticated('The refresh token is not valid');
    // Spending is one conditional update, so of two requests with one token only one wins.
    const spent = record.spentAt ? 0 : await ctx.em.nativeUpdate(RefreshTokenRecord, { tokenHash, spentAt: null }, { spentAt: now });
    if (spent !== 1) {
      // A spent token came back: it was stolen or the client is confused. Either way nobody
      // may go on with this family, the thief nor the owner (who signs in again).
      await ctx.em.nativeUpdate(
        SessionRecord,
        { id: record.sessionId, revokedAt: null },
        { revokedAt: now, revokedReason: 'refresh-token-reuse' },
      );
      await announceEndedSession(ctx, record.sessionId, now);
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

  @Access('session')
  @Mutation(() => Boolean, { description: 'End the session of this access token: its refresh token stops working' })
  async logout(@Ctx() ctx: Context): Promise<boolean> {
    const viewer = await requireLiveSession(ctx);
    if (!viewer.sessionId) throw badInput('This token belongs to no session');
    const ended = await ctx.em.nativeUpdate(
      SessionRecord,
      { id: viewer.sessionId, userId: viewer.userId, revokedAt: null },
      { revokedAt: new Date(), revokedReason: 'logout' },
    );
    await announceEndedSession(ctx, viewer.sessionId);
    return ended === 1;
  }

  @Access('session')
  @Query(() => SessionConnection, { description: 'Your active sessions, newest first' })
  async mySessions(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
  ): Promise<Connection<Session>> {
    const viewer = await requireLiveSession(ctx);
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const rows = await ctx.em.find(
      SessionRecord,
      { userId: viewer.userId, revokedAt: null, expiresAt: { $gt: new Date() }, ...newestFirstAfter(cursor, 'id') },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    const page = toConnection(rows, size, sessionCursor, Boolean(cursor));
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toSession(e.node, viewer) })) };
  }

  @Access('session')
  @Mutation(() => Session, { description: 'End one of your sessions (another device, say)' })
  async revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Session> {
    const viewer = await requireLiveSession(ctx);
    const session = isUuid(id) ? await ctx.em.findOne(SessionRecord, { id }) : null;
    if (!session) throw notFound('No such session');
    if (session.userId !== viewer.userId) throw forbidden('This session is not yours');
    if (!session.revokedAt) {
      session.revokedAt = new Date();
      session.revokedReason = 'revoked';
      await ctx.em.flush();
      await announceEndedSession(ctx, session.id);
    }
    return toSession(session, viewer);
  }
}

@Resolver(() => User)
export class TwoFactorResolver {
  @Access('read')
  @FieldResolver(() => Boolean, { description: 'Whether sign-in asks for a second factor. Visible to the user and to support/admin.' })
  async twoFactorEnabled(@Root() user: UserRecord, @Ctx() ctx: Context): Promise<boolean> {
    if (!canReadUserData(ctx.viewer, user.id)) throw forbidden();
    return hasTwoFactor(ctx.em, user.id);
  }

  @Access('session')
  @Mutation(() => TwoFactorEnrolment, { description: 'Start turning on TOTP 2FA; confirm with `confirmTwoFactor`' })
  async enrolTwoFactor(@Ctx() ctx: Context): Promise<TwoFactorEnrolment> {
    const viewer = await requireLiveSession(ctx);
    const user = await ctx.em.findOne(UserRecord, { id: viewer.userId });
    if (!user) throw unauthenticated('The account of this token no longer exists');
    const existing = await ctx.em.findOne(TwoFactorRecord, { userId: user.id });
    if (existing?.enabledAt) throw conflict('Two-factor authentication is already on; disable it first');
    const { secret, uri } = newTotpSecret(user.email ?? user.id);
    if (existing) {
      // A new enrolment replaces an unconfirmed one (a lost QR code, another app).
      existing.secret = secret;
      existing.createdAt = new Date();
    } else {
      ctx.em.create(TwoFactorRecord, { userId: user.id, secret, enabledAt: null, lastUsedStep: null, createdAt: new Date() });
    }
    await ctx.em.flush();
    return { secret, otpauthUri: uri };
  }

  @Access('session')
  @Mutation(() => TwoFactorActivation, { description: 'Turn 2FA on with a first code from the app; answers the recovery codes, once' })
  async confirmTwoFactor(@Arg('code') code: string, @Ctx() ctx: Context): Promise<TwoFactorActivation> {
    const viewer = await requireLiveSession(ctx);
    return guardAttempt('two-factor', { account: viewer.userId, ip: ctx.clientIp }, async () => {
      const pending = await ctx.em.findOne(TwoFactorRecord, { userId: viewer.userId });
      if (!pending) throw conflict('Start with enrolTwoFactor');
      if (pending.enabledAt) throw conflict('Two-factor authentication is already on');
      const step = totpStep(pending.secret, code.trim());
      if (step === null) throw badInput('Wrong code', 'code');
      const recoveryCodes = newRecoveryCodes();
      await ctx.em.transactional(async (tx) => {
        const claimed = await tx.nativeUpdate(
          TwoFactorRecord,
          { userId: viewer.userId, enabledAt: null },
          { enabledAt: new Date(), lastUsedStep: step },
        );
        if (claimed !== 1) throw conflict('Two-factor authentication is already on');
        await tx.nativeDelete(RecoveryCodeRecord, { userId: viewer.userId });
        for (const recoveryCode of recoveryCodes) {
          tx.create(RecoveryCodeRecord, {
            codeHash: hashRecoveryCode(recoveryCode),
            userId: viewer.userId,
            createdAt: new Date(),
            usedAt: null,
          });
        }
      });
      ctx.logger.info({ userId: viewer.userId }, 'two-factor authentication on');
      return { recoveryCodes };
    });
  }

  @Access('session')
  @Mutation(() => Boolean, { description: 'Turn 2FA off with a current TOTP code or a recovery code' })
  async disableTwoFactor(@Arg('code') code: string, @Ctx() ctx: Context): Promise<boolean> {
    const viewer = await requireLiveSession(ctx);
    return guardAttempt('two-factor', { account: viewer.userId, ip: ctx.clientIp }, async () => {
      if (!(await hasTwoFactor(ctx.em, viewer.userId))) throw conflict('Two-factor authentication is not on');
      if (!(await checkSecondFactor(ctx.em, viewer.userId, code))) throw badInput('Wrong code', 'code');
      await ctx.em.transactional(async (tx) => {
        await tx.nativeDelete(RecoveryCodeRecord, { userId: viewer.userId });
        await tx.nativeDelete(TwoFactorRecord, { userId: viewer.userId });
      });
      ctx.logger.info({ userId: viewer.userId }, 'two-factor authentication off');
      return true;
    });
  }
}
