import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { Access, canReadUserData, decodeCursor, encodeCursor, forbidden, pageSize, requireScope, type Connection } from '@tradegraph/shared';
import type { IssuedTokens, SecondFactorChallenge } from '../app/sessions';
import { linkWallet, signInWithEthereum, siweChallenge, unlinkWallet, walletLinkChallenge } from '../app/wallets';
import type { UserRecord } from '../infra/entities/users';
import type { Context } from './context';
import { LoginResult } from './session-types';
import { requireUserSession } from './session-only';
import { User } from './types';
import { SiweChallenge, Wallet, WalletConnection, WalletLinkChallenge, walletView } from './wallet-types';

@ArgsType()
class PageArgs {
  @Field(() => Int, { nullable: true }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
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
  siweNonce(@Ctx() ctx: Context): Promise<SiweChallenge> {
    return siweChallenge(ctx);
  }

  @Access('public')
  @Mutation(() => LoginResult, {
    description:
      'Step 2: sign in with a signed EIP-4361 message; a wallet nobody holds yet gets a new account; with 2FA on, a challenge for `completeLogin`',
  })
  signInWithEthereum(
    @Arg('message') message: string,
    @Arg('signature') signature: string,
    @Ctx() ctx: Context,
  ): Promise<IssuedTokens | SecondFactorChallenge> {
    return signInWithEthereum(ctx, message, signature);
  }

  @Access('session')
  @Mutation(() => WalletLinkChallenge, { description: 'Step 1 of linking a wallet: the message to sign with it' })
  async walletLinkChallenge(@Arg('address') rawAddress: string, @Ctx() ctx: Context): Promise<WalletLinkChallenge> {
    return walletLinkChallenge(ctx, await requireUserSession(ctx), rawAddress);
  }

  @Access('session')
  @Mutation(() => Wallet, { description: 'Step 2: link the wallet that signed the challenge message' })
  async linkWallet(@Arg('message') message: string, @Arg('signature') signature: string, @Ctx() ctx: Context): Promise<Wallet> {
    return walletView(await linkWallet(ctx, await requireUserSession(ctx), message, signature));
  }

  @Access('session')
  @Mutation(() => Wallet, { description: 'Unlink one of your external wallets' })
  async unlinkWallet(@Arg('address') rawAddress: string, @Ctx() ctx: Context): Promise<Wallet> {
    return walletView(await unlinkWallet(ctx, await requireUserSession(ctx), rawAddress));
  }
}
