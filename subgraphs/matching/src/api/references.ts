import { canReadUserData, type ReferenceResolvers } from '@tradegraph/shared';
import { exchangeOf, type MatchingContext } from './resolvers';

/** How other subgraphs' references to matching's entities resolve; another user's rows resolve to nothing. */
export const referenceResolvers: ReferenceResolvers = {
  Order: {
    __resolveReference: async (ref: { id: string }, ctx: MatchingContext) => {
      const order = /^\d{1,15}$/.test(ref.id) ? await exchangeOf(ctx).view(Number(ref.id)) : null;
      // Another user's order resolves to nothing rather than leaking through a reference.
      return order && canReadUserData(ctx.viewer, order.userId) ? order : null;
    },
  },
  Fill: {
    __resolveReference: async (ref: { id: string }, ctx: MatchingContext) => {
      const fill = /^\d{1,15}:\d{1,15}$/.test(ref.id) ? await ctx.loaders.fillById.load(ref.id) : null;
      return fill && canReadUserData(ctx.viewer, fill.userId) ? fill : null;
    },
  },
  Balance: {
    __resolveReference: (ref: { userId: string; asset: string }, ctx: MatchingContext) =>
      canReadUserData(ctx.viewer, ref.userId) ? exchangeOf(ctx).balance(ref.userId, ref.asset) : null,
  },
  Market: { __resolveReference: (ref: { symbol: string }) => ({ symbol: ref.symbol }) },
  User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
};
