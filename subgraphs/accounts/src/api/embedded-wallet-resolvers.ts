import { Ctx, Mutation, Resolver } from 'type-graphql';
import { Access } from '@tradegraph/shared';
import { createEmbeddedWallet } from '../app/wallets';
import type { Context } from './context';
import { requireUserSession } from './session-only';
import { Wallet, walletView } from './wallet-types';

@Resolver()
export class EmbeddedWalletResolver {
  @Access('session')
  @Mutation(() => Wallet, {
    description: 'Create an embedded wallet for you (one per account; asking again answers the one you have). Its key is never exposed.',
  })
  async createEmbeddedWallet(@Ctx() ctx: Context): Promise<Wallet> {
    return walletView(await createEmbeddedWallet(ctx, await requireUserSession(ctx)));
  }
}
