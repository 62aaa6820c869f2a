/** The markets API's limits, read once at start. */
export interface MarketsSettings {
  /** Per market per `priceUpdated` subscriber (PRICE_UPDATES_MAX_PER_SECOND, default 4; 0 sends every update). */
  priceUpdateIntervalMs: number;
  /** Most ticker/candle updates a subscriber gets per market (and interval): one per this many ms (MARKETS_SUBSCRIPTION_INTERVAL_MS, default 1000). */
  subscriptionIntervalMs: number;
  /** Rows of a CSV export, default and ceiling (MARKETS_EXPORT_MAX_ROWS, default 100000). */
  exportMaxRows: number;
}

export function marketsSettings(env: NodeJS.ProcessEnv = process.env): MarketsSettings {
  const perSecond = Number(env.PRICE_UPDATES_MAX_PER_SECOND ?? 4);
  return {
    priceUpdateIntervalMs: perSecond > 0 ? 1000 / perSecond : 0,
    subscriptionIntervalMs: Number(env.MARKETS_SUBSCRIPTION_INTERVAL_MS ?? 1000),
    exportMaxRows: Number(env.MARKETS_EXPORT_MAX_ROWS ?? 100_000),
  };
}
