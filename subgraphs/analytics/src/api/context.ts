import type { SubgraphContext } from '@tradegraph/shared';
import type { AnalyticsLoaders } from '../infra';
import type { AnalyticsServices } from '../app/services';

/** What analytics' resolvers receive. */
export type Context = SubgraphContext<AnalyticsLoaders, AnalyticsServices>;
