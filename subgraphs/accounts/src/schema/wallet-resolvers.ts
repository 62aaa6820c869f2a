import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { getAddress } from 'ethers';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import {
  Access,
  badInput,
  canReadUserData,
  conflict,
  encodeCursor,
  decodeCursor,
  forbidden,
  notFound,
  pageSize,
  requireScope,
  unauthenticated,
  type Connection,
  type SubgraphContext,
} from '@tradegraph/shared';
import { UserRecord, WalletRecord, type AccountsLoaders } from '../store';
import {
  consumeNonce,
  issueNonce,
  linkMessage,
  nonceOfLinkMessage,
  normalizeAddress,
  signerOf,
  siweSettings,
  verifySiweMessage,
} from '../domain/siwe';
import { guardAttempt } from '../domain/attempts';
import { signInOrChallenge } from './session-resolvers';
import { LoginResult, TwoFactorChallenge } from './session-types';
import { requireUserSession } from './session-only';
import { AuthPayload, User } from './types';
import { SiweChallenge, Wallet, WalletConnection, WalletKindEnum, WalletLinkChallenge } from './wallet-types';

type Context = SubgraphContext<AccountsLoaders>;

/** A user has a handful of wallets; the cap keeps User.wallets cheap to page in memory. */
export const MAX_WALLETS_PER_USER = 20;

@ArgsType()
class PageArgs {
  @Field(() => Int, { nullable: true }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
}

export function walletView(record: WalletRecord): Wallet {
  return {
    id: record.id,
    address: getAddress(record.address),
    kind: record.kind as WalletKindEnum,
    provider: record.provider,
    createdAt: record.createdAt,
  };
}

/** Links `address` to `userId`; CONFLICT if another user holds it (and nothing changes). */
export async function insertWallet(
  ctx: Context,
  userId: string,
  address: string,
  kind: WalletKindEnum,
  provider: string | null = null,
): Promise<WalletRecord> {
  const holder = await ctx.em.findOne(WalletRecord, { address });
  if (holder) {
    if (holder.userId === userId) return holder;
    throw conflict('This wallet is linked to another account');
  }
  const count = await ctx.em.count(WalletRecord, { userId });
  if (count >= MAX_WALLETS_PER_USER) throw badInput(`An account holds at most ${MAX_WALLETS_PER_USER} wallets`);
  const record = ctx.em.create(WalletRecord, { id: randomUUID(), userId, address, kind, provider, createdAt: new Date() });
  try {
    await ctx.em.persistAndFlush(record);
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw conflict('This wallet is linked to another account');
    throw error;
  }
  return record;
}

@Resolver(() => User)
export class WalletResolver {
  @Access('read')
  @FieldResolver(() => WalletConnection, { description: 'Wallets linked to the user, oldest first (owner, support, admin)' })
  async wallets(
    @Root() user: UserRecord,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<Connection<Wallet>> {
    const viewer = requireScope(ctx.viewer, 'read');
    if (!canReadUserData(viewer, user.id)) throw forbidden();
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const all = await ctx.loaders.walletsByUser.load(user.id);
    const start = cursor ? all.findIndex((w) => w.id === cursor) + 1 : 0;
    const page = all.slice(start, start + size);
    const edges = page.map((w) => ({ cursor: encodeCursor(w.id), node: walletView(w) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: start + size < all.length,
        hasPreviousPage: start > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }

  @Access('public')
  @Mutation(() => SiweChallenge, {
    description: 'Step 1 of Sign-In with Ethereum: a single-use nonce and the values the message must carry',
  })
  async siweNonce(@Ctx() ctx: Context): Promise<SiweChallenge> {
    const settings = siweSettings();
    const { nonce, issuedAt, expiresAt } = await issueNonce(ctx.em, 'sign_in', settings.nonceTtlSeconds);
    return { nonce, domain: settings.domain, uri: settings.uri, chainIds: settings.chainIds, issuedAt, expiresAt };
  }

  @Access('public')
  @Mutation(() => LoginResult, {
    description:
      'Step 2: sign in with a signed EIP-4361 message; a wallet nobody holds yet gets a new account; with 2FA on, a challenge for `completeLogin`',
  })
  async signInWithEthereum(
    @Arg('message') message: string,
    @Arg('signature') signature: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayload | TwoFactorChallenge> {
    const settings = siweSettings();
    // The wallet the message names is the account under attack; unparseable input counts per IP.
    const claimed = /^0x[0-9a-fA-F]{40}$/m.exec(message)?.[0]?.toLowerCase();
    const address = await guardAttempt('siwe', { account: claimed, ip: ctx.clientIp }, async () => {
      const parsed = await verifySiweMessage(message, signature, settings);
      if (!(await consumeNonce(ctx.em, parsed.nonce, 'sign_in'))) {
        throw unauthenticated('The nonce is unknown, expired or already used; ask for a new one');
      }
      return normalizeAddress(parsed.address);
    });
    let wallet = await ctx.em.findOne(WalletRecord, { address });
    if (!wallet) {
      const user = ctx.em.create(UserRecord, {
        id: randomUUID(),
        email: null,
        passwordHash: null,
        roles: ['user'],
        createdAt: new Date(),
      });
      await ctx.em.persistAndFlush(user);
      try {
        wallet = await insertWallet(ctx, user.id, address, WalletKindEnum.EXTERNAL);
      } catch (error) {
        // Two first sign-ins of one wallet raced and the other won: sign in to its account.
        ctx.em.clear();
        await ctx.em.nativeDelete(UserRecord, { id: user.id });
        wallet = await ctx.em.findOne(WalletRecord, { address });
        if (!wallet) throw error;
      }
      if (wallet.userId === user.id) ctx.logger.info({ userId: user.id }, 'user signed up with a wallet');
    }
    const owner = await ctx.em.findOne(UserRecord, { id: wallet.userId });
    if (!owner) throw unauthenticated('The account of this wallet no longer exists');
    return signInOrChallenge(owner, ctx);
  }

  @Access('session')
  @Mutation(() => WalletLinkChallenge, { description: 'Step 1 of linking a wallet: the message to sign with it' })
  async walletLinkChallenge(@Arg('address') rawAddress: string, @Ctx() ctx: Context): Promise<WalletLinkChallenge> {
    const viewer = await requireUserSession(ctx);
    const address = normalizeAddress(rawAddress);
    const { domain, nonceTtlSeconds } = siweSettings();
    const issued = await issueNonce(ctx.em, 'link', nonceTtlSeconds, {
      userId: viewer.userId,
      address,
      message: (nonce, issuedAt, expiresAt) => linkMessage({ domain, userId: viewer.userId, address, nonce, issuedAt, expiresAt }),
    });
    return { message: issued.message!, nonce: issued.nonce, expiresAt: issued.expiresAt };
  }

  @Access('session')
  @Mutation(() => Wallet, { description: 'Step 2: link the wallet that signed the challenge message' })
  async linkWallet(@Arg('message') message: string, @Arg('signature') signature: string, @Ctx() ctx: Context): Promise<Wallet> {
    const viewer = await requireUserSession(ctx);
    const nonce = nonceOfLinkMessage(message);
    const address = signerOf(message, signature);
    // Refuse before the nonce is spent, so a refused link changes nothing.
    const holder = await ctx.em.findOne(WalletRecord, { address });
    if (holder && holder.userId !== viewer.userId) throw conflict('This wallet is linked to another account');
    // The nonce must be ours, for this user and this wallet, over exactly this text.
    if (!(await consumeNonce(ctx.em, nonce, 'link', { userId: viewer.userId, address, message }))) {
      throw badInput('The message was not issued to you for this wallet, expired or was used; ask for a new one', 'message');
    }
    return walletView(await insertWallet(ctx, viewer.userId, address, WalletKindEnum.EXTERNAL));
  }

  @Access('session')
  @Mutation(() => Wallet, { description: 'Unlink one of your external wallets' })
  async unlinkWallet(@Arg('address') rawAddress: string, @Ctx() ctx: Context): Promise<Wallet> {
    const viewer = await requireUserSession(ctx);
    const address = normalizeAddress(rawAddress);
    const wallet = await ctx.em.findOne(WalletRecord, { address, userId: viewer.userId });
    if (!wallet) throw notFound('You have no wallet with this address');
    if (wallet.kind !== WalletKindEnum.EXTERNAL)
      throw badInput('Embedded wallets hold funds under our custody and cannot be unlinked', 'address');
    const user = await ctx.em.findOneOrFail(UserRecord, { id: viewer.userId });
    if (!user.passwordHash) {
      // A wallet-only account must keep a way to sign in.
      const others = await ctx.em.count(WalletRecord, { userId: viewer.userId, kind: WalletKindEnum.EXTERNAL, id: { $ne: wallet.id } });
      const identities = await ctx.em
        .getConnection()
        .execute<{ n: string }[]>('select count(*) as n from accounts.oidc_identities where user_id = ?', [viewer.userId]);
      if (others === 0 && Number(identities[0].n) === 0) throw badInput('This is the last way to sign in to this account', 'address');
    }
    const view = walletView(wallet);
    await ctx.em.removeAndFlush(wallet);
    return view;
  }
}
