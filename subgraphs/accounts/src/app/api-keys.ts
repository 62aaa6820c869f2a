import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  SCOPES,
  addressList,
  decodeCursor,
  newestFirstAfter,
  newestFirstCursor,
  normalizeIp,
  pageSize,
  toConnection,
  type ApiKeyExchangeGranted,
  type Connection,
  type Logger,
  type Scope,
  type Viewer,
} from '@tradegraph/shared';
import {
  MAX_ALLOW_LIST,
  MAX_API_KEYS_PER_USER,
  apiKeyRefusal,
  hashApiKeySecret,
  isApiKeySecret,
  newApiKeySecret,
  validLabel,
  validScopes as knownScopes,
} from '../domain/api-keys';
import { badInput, notFound } from '../domain/errors';
import { ApiKeyRecord } from '../infra/entities/wallets';
import { signApiKeyToken } from '../infra/token-signing';
import type { Caller } from './caller';
import { accountEvent, withAccountEvents } from './account-events';
import type { AccountsServices } from './services';
import { requireSecondFactorIfOn } from './two-factor';

/** Known scopes only, at least one, in the platform's order. */
export const validScopes = (raw: string[]): Scope[] => knownScopes(raw, SCOPES);

/** Addresses or CIDR ranges, checked here so a typo is an error rather than a key nobody can use. */
export function validAllowList(raw: string[]): string[] {
  if (raw.length > MAX_ALLOW_LIST) throw badInput(`At most ${MAX_ALLOW_LIST} entries`, 'ipAllowList');
  return raw.map((entry) => {
    const [address, bits, extra] = entry.trim().split('/');
    const family = isIP(address);
    const maxBits = family === 4 ? 32 : 128;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !okBits || extra !== undefined) throw badInput(`"${entry}" is not an IP address or CIDR range`, 'ipAllowList');
    return bits === undefined ? address : `${address}/${bits}`;
  });
}

/** An empty list allows every address. */
export function ipAllowed(allowList: string[], ip: string | undefined): boolean {
  if (allowList.length === 0) return true;
  const address = normalizeIp(ip);
  if (!address) return false;
  return addressList(allowList.join(',')).check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

export interface NewApiKey {
  label: string;
  scopes: string[];
  ipAllowList?: string[] | null;
  expiresAt?: Date | null;
  twoFactorCode?: string | null;
}

/** A new API key of the viewer; the secret is in this answer only. */
export async function createApiKey(ctx: Caller, viewer: Viewer, input: NewApiKey): Promise<{ record: ApiKeyRecord; secret: string }> {
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
  const created = accountEvent('account.api_key_created', viewer.userId, {
    apiKeyId: record.id,
    label,
    prefix,
    scopes,
    ipAllowList,
    expiresAt: record.expiresAt?.toISOString() ?? null,
  });
  await withAccountEvents(ctx, [created], () => ctx.em.persistAndFlush(record));
  ctx.logger.info({ userId: viewer.userId, apiKeyId: record.id, scopes }, 'api key created');
  return { record, secret };
}

/** The viewer's API keys, newest first. */
export async function apiKeysOf(ctx: Pick<Caller, 'em'>, viewer: Viewer, first?: number, after?: string): Promise<Connection<ApiKeyRecord>> {
  const size = pageSize(first);
  const cursor = decodeCursor(after);
  const rows = await ctx.em.find(
    ApiKeyRecord,
    { userId: viewer.userId, ...newestFirstAfter(cursor, 'id') },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
  );
  return toConnection(rows, size, (k) => newestFirstCursor(k.createdAt, k.id), Boolean(cursor));
}

export async function revokeApiKey(ctx: Caller, viewer: Viewer, id: string): Promise<ApiKeyRecord> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('You have no API key with this id');
  const record = await ctx.em.findOne(ApiKeyRecord, { id, userId: viewer.userId });
  if (!record) throw notFound('You have no API key with this id');
  if (!record.revokedAt) {
    record.revokedAt = new Date();
    await ctx.em.flush();
    ctx.logger.info({ userId: viewer.userId, apiKeyId: record.id }, 'api key revoked');
  }
  return record;
}

/**
 * The gateway's exchange of an API key for a short-lived access token: checks revocation, expiry
 * and the IP allow-list on every exchange, and records lastUsedAt. A refusal is its reason.
 */
export async function exchangeApiKey(
  orm: MikroORM,
  services: Pick<AccountsServices, 'signingKeys'>,
  logger: Logger,
  apiKey: string,
  clientIp: string | undefined,
): Promise<{ granted: ApiKeyExchangeGranted } | { refused: string }> {
  if (!isApiKeySecret(apiKey)) return { refused: 'The API key is not valid' };
  const em = orm.em.fork();
  const record = await em.findOne(ApiKeyRecord, { secretHash: hashApiKeySecret(apiKey) });
  if (!record) return { refused: 'The API key is not valid' };
  const now = new Date();
  const refusal = apiKeyRefusal(record, now);
  if (refusal) return { refused: refusal };
  if (!ipAllowed(record.ipAllowList, clientIp)) {
    logger.info({ apiKeyId: record.id, ip: clientIp }, 'api key used from an address outside its allow-list');
    return { refused: 'The API key may not be used from this address' };
  }
  await em.nativeUpdate(ApiKeyRecord, { id: record.id }, { lastUsedAt: now });
  const { token, expiresAt } = await signApiKeyToken(await services.signingKeys.activeKey(), {
    userId: record.userId,
    apiKeyId: record.id,
    scopes: record.scopes,
  });
  return { granted: { accessToken: token, expiresAt: expiresAt.toISOString(), scopes: record.scopes, apiKeyId: record.id } };
}
