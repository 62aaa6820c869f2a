import type { SubgraphContext } from '@tradegraph/shared';
import type { FundingLoaders } from '../infra';
import type { FundingServices } from '../app/services';

/** What funding's resolvers receive. */
export type Context = SubgraphContext<FundingLoaders, FundingServices>;
