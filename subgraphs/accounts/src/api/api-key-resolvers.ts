import { Arg, Args, ArgsType, Ctx, Field, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Access, requireScope, type Connection } from '@tradegraph/shared';
import { apiKeysOf, createApiKey, revokeApiKey } from '../app/api-keys';
import type { ApiKeyRecord } from '../infra/entities/wallets';
import type { Context } from './context';
import { requireUserSession } from './session-only';
import { ApiKey, ApiKeyConnection, ApiKeyScope, CreateApiKeyInput, CreatedApiKey } from './api-key-types';

@ArgsType()
class ApiKeyPage {
  @Field(() => Int, { nullable: true }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
}

function apiKeyView(record: ApiKeyRecord): ApiKey {
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

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Access('session')
  @Mutation(() => CreatedApiKey, { description: 'Create an API key; the secret is in this answer only' })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreatedApiKey> {
    const viewer = await requireUserSession(ctx);
    const { record, secret } = await createApiKey(ctx, viewer, input);
    return { apiKey: apiKeyView(record), secret };
  }

  @Access('read')
  @Query(() => ApiKeyConnection, { description: 'Your API keys, newest first (never their secrets)' })
  async myApiKeys(@Args(() => ApiKeyPage) { first, after }: ApiKeyPage, @Ctx() ctx: Context): Promise<Connection<ApiKey>> {
    const viewer = requireScope(ctx.viewer, 'read');
    const page = await apiKeysOf(ctx, viewer, first, after);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: apiKeyView(e.node) })) };
  }

  @Access('session')
  @Mutation(() => ApiKey, { description: 'Revoke one of your API keys; it stops working within the gateway cache time (30 s)' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ApiKey> {
    const viewer = await requireUserSession(ctx);
    return apiKeyView(await revokeApiKey(ctx, viewer, id));
  }
}
