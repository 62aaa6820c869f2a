import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, badInput, canReadUserData, forbidden, type Connection, type Viewer } from '@tradegraph/shared';
import {
  completeLogin,
  liveSessions,
  login,
  logout,
  refreshSession,
  revokeSession,
  type IssuedTokens,
  type SecondFactorChallenge,
} from '../app/sessions';
import { confirmTwoFactor, disableTwoFactor, enrolTwoFactor, hasTwoFactor } from '../app/two-factor';
import type { SessionRecord } from '../infra/entities/sessions';
import type { UserRecord } from '../infra/entities/users';
import type { Context } from './context';
import { requireUserSession } from './session-only';
import { AuthPayload, User } from './types';
import { LoginResult, Session, SessionConnection, TwoFactorActivation, TwoFactorEnrolment } from './session-types';

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

@Resolver()
export class SessionResolver {
  @Access('public')
  @Mutation(() => LoginResult, {
    description: 'Sign in with email and password. With 2FA on, answers a challenge for `completeLogin` instead of tokens.',
  })
  login(@Arg('email') rawEmail: string, @Arg('password') password: string, @Ctx() ctx: Context): Promise<IssuedTokens | SecondFactorChallenge> {
    return login(ctx, rawEmail, password);
  }

  @Access('public')
  @Mutation(() => AuthPayload, { description: 'Second step of a 2FA login: the challenge from `login` and a TOTP or recovery code' })
  completeLogin(@Arg('challenge') challenge: string, @Arg('code') code: string, @Ctx() ctx: Context): Promise<IssuedTokens> {
    return completeLogin(ctx, challenge, code);
  }

  @Access('public')
  @Mutation(() => AuthPayload, {
    description:
      'Trade a refresh token for a new access token and refresh token. Each refresh token works once; presenting a used one ends the whole session.',
  })
  refreshSession(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: Context): Promise<IssuedTokens> {
    return refreshSession(ctx, refreshToken);
  }

  @Access('session')
  @Mutation(() => Boolean, { description: 'End the session of this access token: its refresh token stops working' })
  async logout(@Ctx() ctx: Context): Promise<boolean> {
    const viewer = await requireUserSession(ctx);
    if (!viewer.sessionId) throw badInput('This token belongs to no session');
    return logout(ctx, viewer);
  }

  @Access('session')
  @Query(() => SessionConnection, { description: 'Your active sessions, newest first' })
  async mySessions(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', { nullable: true }) after?: string,
  ): Promise<Connection<Session>> {
    const viewer = await requireUserSession(ctx);
    const page = await liveSessions(ctx, viewer, first, after);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toSession(e.node, viewer) })) };
  }

  @Access('session')
  @Mutation(() => Session, { description: 'End one of your sessions (another device, say)' })
  async revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Session> {
    const viewer = await requireUserSession(ctx);
    return toSession(await revokeSession(ctx, viewer, id), viewer);
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
    return enrolTwoFactor(ctx, await requireUserSession(ctx));
  }

  @Access('session')
  @Mutation(() => TwoFactorActivation, { description: 'Turn 2FA on with a first code from the app; answers the recovery codes, once' })
  async confirmTwoFactor(@Arg('code') code: string, @Ctx() ctx: Context): Promise<TwoFactorActivation> {
    return confirmTwoFactor(ctx, await requireUserSession(ctx), code);
  }

  @Access('session')
  @Mutation(() => Boolean, { description: 'Turn 2FA off with a current TOTP code or a recovery code' })
  async disableTwoFactor(@Arg('code') code: string, @Ctx() ctx: Context): Promise<boolean> {
    return disableTwoFactor(ctx, await requireUserSession(ctx), code);
  }
}
