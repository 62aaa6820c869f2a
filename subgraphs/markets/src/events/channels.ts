import { channel } from '@tradegraph/shared';

/** A price published by the feed on `markets.price.<symbol>`. Anything that speaks Redis can publish one. */
export interface PriceEvent {
  market: string;
  price: string;
  at: string;
  /** `trade` when the price is the exchange's own last fill; absent or `feed` for the reference feed. */
  source?: 'feed' | 'trade';
}

export const priceChannel = (market: string) => channel('markets', 'price', market);
