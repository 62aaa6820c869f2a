import { config, type Config } from '@tradegraph/shared';

/** The markets API's limits, read once at start. */
export interface MarketsSettings {
  /** Per market per `priceUpdated` subscriber (PRICE_UPDATES_MAX_PER_SECOND, default 4; 0 sends every update). */
  priceUpdateIntervalMs: number;
  /** Most ticker/candle updates a subscriber gets per market (and interval): one per this many ms (MARKETS_SUBSCRIPTION_INTERVAL_MS, default 1000). */
  subscriptionIntervalMs: number;
  /** Rows of a CSV export, default and ceiling (MARKETS_EXPORT_MAX_ROWS, default 100000). */
  exportMaxRows: number;
}

export function marketsSettings(settings: Config = config()): MarketsSettings {
  const perSecond = settings.PRICE_UPDATES_MAX_PER_SECOND;
  return {
    priceUpdateIntervalMs: perSecond > 0 ? 1000 / perSecond : 0,
    subscriptionIntervalMs: settings.MARKETS_SUBSCRIPTION_INTERVAL_MS,
    exportMaxRows: settings.MARKETS_EXPORT_MAX_ROWS,
  };
}
