import type { Portfolios } from './portfolios';

/** What analytics' `prepare()` makes once and its resolvers find in `context.services`. */
export interface AnalyticsServices {
  portfolios: Portfolios;
}
