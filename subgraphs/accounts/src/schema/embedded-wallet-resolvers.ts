import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Ctx, Mutation, Resolver } from 'type-graphql';
import { Access, conflict, type SubgraphContext } from '@tradegraph/shared';
import { EmbeddedWalletKeyRecord, WalletRecord, type AccountsLoaders } from '../store';
import { embeddedWalletProvider } from '../domain/mpc/local';
import type { EmbeddedWalletProvider } from '../domain/mpc/port';
import { requireUserSession } from './session-only';
import { MAX_WALLETS_PER_USER, walletView } from './wallet-resolvers';
import { Wallet, WalletKindEnum } from './wallet-types';

type Context = SubgraphContext<AccountsLoaders>;

let provider: EmbeddedWalletProvider | undefined;
const currentProvider = () => (provider ??= embeddedWalletProvider());

@Resolver()
export class EmbeddedWalletResolver {
  @Access('session')
  @Mutation(() => Wallet, {
    description: 'Create an embedded wallet for you (one per account; asking again answers the one you have). Its key is never exposed.',
  })
  async createEmbeddedWallet(@Ctx() ctx: Context): Promise<Wallet> {
    const viewer = await requireUserSession(ctx);
    const existing = await ctx.em.findOne(WalletRecord, { userId: viewer.userId, kind: WalletKindEnum.EMBEDDED });
    if (existing) return walletView(existing);
    if ((await ctx.em.count(WalletRecord, { userId: viewer.userId })) >= MAX_WALLETS_PER_USER) {
      throw conflict(`An account holds at most ${MAX_WALLETS_PER_USER} wallets`);
    }
    const walletProvider = currentProvider();
    const created = await walletProvider.createWallet(viewer.userId);
    const now = new Date();
    const wallet: WalletRecord = {
      id: randomUUID(),
      userId: viewer.userId,
      address: created.address,
      kind: WalletKindEnum.EMBEDDED,
      provider: walletProvider.name,
      createdAt: now,
    };
    try {
      // The wallet and its sealed key are written together or not at all (wallet first: the key row references it).
      await ctx.em.transactional(async (tx) => {
        await tx.persistAndFlush(tx.create(WalletRecord, wallet));
        if (created.custody) {
          await tx.persistAndFlush(tx.create(EmbeddedWalletKeyRecord, { walletId: wallet.id, ...created.custody, createdAt: now }));
        }
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('A wallet was created for you at the same moment; ask again');
      throw error;
    }
    ctx.logger.info({ userId: viewer.userId, walletId: wallet.id, provider: walletProvider.name }, 'embedded wallet created');
    return walletView(wallet);
  }
}
