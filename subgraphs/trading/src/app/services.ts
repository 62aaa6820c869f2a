import type { ListedMarkets } from '../infra';
import type { PriceAlerts } from './price-alerts';

/** What trading's `prepare()` makes once and its resolvers find in `context.services`. */
export interface TradingServices {
  alerts: PriceAlerts;
  /** Markets' listing as trading last loaded it; listing events keep it fresh (events/listing.ts). */
  listing: ListedMarkets;
}
