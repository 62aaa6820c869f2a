import { appError, domainErrorOf, type SubgraphContext } from '@tradegraph/shared';
import type { MarketsLoaders } from '../infra';
import type { MarketsServices } from '../app/services';

/** What markets' resolvers receive. */
export type Context = SubgraphContext<MarketsLoaders, MarketsServices>;

/**
 * A subscription's set-up with its domain refusals as GraphQL errors of the same code. Over
 * HTTP the shared error formatter maps a DomainError; a subscription's refusal reaches the
 * client through graphql-ws, which keeps only a GraphQL error's own extensions.
 */
export async function refusingAsGraphQL<T>(setUp: () => Promise<T>): Promise<T> {
  try {
    return await setUp();
  } catch (error) {
    const refusal = domainErrorOf(error);
    if (refusal) throw appError(refusal.code, refusal.message, refusal.details);
    throw error;
  }
}
