import type { SubgraphContext } from '@tradegraph/shared';
import type { TradingLoaders } from '../infra';
import type { TradingServices } from '../app/services';

/** What trading's resolvers receive. */
export type Context = SubgraphContext<TradingLoaders, TradingServices>;
