import type { SubgraphContext } from '@tradegraph/shared';
import type { MarketsLoaders } from '../infra';
import type { MarketsServices } from '../app/services';

/** What markets' resolvers receive. */
export type Context = SubgraphContext<MarketsLoaders, MarketsServices>;
