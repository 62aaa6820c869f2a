/**
 * The price feed port: where reference prices for markets come from when the exchange's own
 * fills do not give one. Adapters: simulated (embedded default), replay (recorded ticks from a
 * CSV file), binance (Binance's public WebSocket streams). PRICE_FEED selects one, or `off`.
 */
export interface FeedTick {
  /** Our market symbol, e.g. BTC-USDT. */
  market: string;
  /** Decimal string. */
  price: string;
  at: Date;
}

/** A listed market as a feed that makes up its own prices needs it. */
export interface FeedMarket {
  symbol: string;
  tickSize: string;
  referencePrice: string;
}

export interface PriceFeed {
  readonly name: string;
  /** Starts delivering ticks to `onTick`; resolves once running (not necessarily connected). */
  start(onTick: (tick: FeedTick) => void): Promise<void>;
  stop(): Promise<void>;
  /**
   * Takes in a market listed while running, so it has prices without a restart. Feeds that
   * only carry the markets named at start (replay: its file's; binance: the streams it
   * connected with) leave it out.
   */
  follow?(market: FeedMarket): void;
}

