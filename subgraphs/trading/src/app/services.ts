import type { ListedMarkets } from '../infra';
import type { AlertAnnouncer } from '../events/alert-events';
import type { PriceTicks } from '../events/price-ticks';
import type { PriceAlerts } from './price-alerts';
import type { AlertEngine } from './alert-engine';

/** What trading's `prepare()` makes once and its resolvers find in `context.services`. */
export interface TradingServices {
  alerts: PriceAlerts;
  /** The index of active alerts, fed by price ticks; it fires and announces (app/alert-engine.ts). */
  engine: AlertEngine;
  /** Markets' prices, one subscription per followed market (events/price-ticks.ts). */
  ticks: PriceTicks;
  announcer: AlertAnnouncer;
  /** Markets' listing as trading last loaded it; listing events keep it fresh (events/listing.ts). */
  listing: ListedMarkets;
}
