import { randomUUID } from 'node:crypto';
import { Arg, Args, ArgsType, Ctx, Field, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import {
  Access,
  ErrorCode,
  appError,
  badInput,
  decodeCursor,
  newestFirstAfter,
  newestFirstCursor,
  notFound,
  pageSize,
  requireScope,
  toConnection,
  type Connection,
  type SubgraphContext,
} from '@tradegraph/shared';
import { ApiKeyRecord, type AccountsLoaders } from '../store';
import { MAX_API_KEYS_PER_USER, newApiKeySecret, validAllowList, validLabel, validScopes } from '../domain/api-keys';
import { guardAttempt } from '../domain/attempts';
import { checkSecondFactor, hasTwoFactor } from '../domain/two-factor';
import { requireUserSession } from './session-only';
import { ApiKey, ApiKeyConnection, ApiKeyScope, CreateApiKeyInput, CreatedApiKey } from './api-key-types';

type Context = SubgraphContext<AccountsLoaders>;

@ArgsType()
class ApiKeyPage {
  @Field(() => Int, { nullable: true }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
}

export function apiKeyView(record: ApiKeyRecord): ApiKey {
  return {
    id: record.id,
    label: record.label,
    prefix: record.prefix,
    scopes: record.scopes as ApiKeyScope[],
    ipAllowList: record.ipAllowList,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    lastUsedAt: record.lastUsedAt,
    createdAt: record.createdAt,
  };
}

/** With 2FA on, minting a key needs the second factor (guarded against guessing). */
async function requireSecondFactorIfOn(ctx: Context, userId: string, code: string | null | undefined): Promise<void> {
  if (!(await hasTwoFactor(ctx.em, userId))) return;
  if (!code) throw appError(ErrorCode.FORBIDDEN, 'Two-factor authentication is on: give twoFactorCode', { twoFactorRequired: true });
  await guardAttempt('two-factor', { account: userId, ip: ctx.clientIp }, async () => {
    if (!(await checkSecondFactor(ctx.em, userId, code))) {
      throw appError(ErrorCode.FORBIDDEN, 'The two-factor code is wrong or was used', { twoFactorRequired: true });
    }
  });
}

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Access('session')
  @Mutation(() => CreatedApiKey, { description: 'Create an API key; the secret is in this answer only' })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreatedApiKey> {
    const viewer = await requireUserSession(ctx);
    const label = validLabel(input.label);
    const scopes = validScopes(input.scopes);
    const ipAllowList = validAllowList(input.ipAllowList ?? []);
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badInput('expiresAt must be in the future', 'expiresAt');
    const live = await ctx.em.count(ApiKeyRecord, { userId: viewer.userId, revokedAt: null });
    if (live >= MAX_API_KEYS_PER_USER) throw badInput(`At most ${MAX_API_KEYS_PER_USER} keys; revoke one first`);
    await requireSecondFactorIfOn(ctx, viewer.userId, input.twoFactorCode);

    const { secret, prefix, hash } = newApiKeySecret();
    const record = ctx.em.create(ApiKeyRecord, {
      id: randomUUID(),
      userId: viewer.userId,
      label,
      prefix,
      secretHash: hash,
      scopes,
      ipAllowList,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
      createdAt: new Date(),
    });
    await ctx.em.persistAndFlush(record);
    ctx.logger.info({ userId: viewer.userId, apiKeyId: record.id, scopes }, 'api key created');
    return { apiKey: apiKeyView(record), secret };
  }

  @Access('read')
  @Query(() => ApiKeyConnection, { description: 'Your API keys, newest first (never their secrets)' })
  async myApiKeys(@Args(() => ApiKeyPage) { first, after }: ApiKeyPage, @Ctx() ctx: Context): Promise<Connection<ApiKey>> {
    const viewer = requireScope(ctx.viewer, 'read');
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const rows = await ctx.em.find(
      ApiKeyRecord,
      { userId: viewer.userId, ...newestFirstAfter(cursor, 'id') },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    return toConnection(rows.map(apiKeyView), size, (k) => newestFirstCursor(k.createdAt, k.id), Boolean(cursor));
  }

  @Access('session')
  @Mutation(() => ApiKey, { description: 'Revoke one of your API keys; it stops working within the gateway cache time (30 s)' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ApiKey> {
    const viewer = await requireUserSession(ctx);
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('You have no API key with this id');
    const record = await ctx.em.findOne(ApiKeyRecord, { id, userId: viewer.userId });
    if (!record) throw notFound('You have no API key with this id');
    if (!record.revokedAt) {
      record.revokedAt = new Date();
      await ctx.em.flush();
      ctx.logger.info({ userId: viewer.userId, apiKeyId: record.id }, 'api key revoked');
    }
    return apiKeyView(record);
  }
}
