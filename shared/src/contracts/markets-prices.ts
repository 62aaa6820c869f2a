import { channel } from './channel';

/**
 * Markets → gateway (subscriptions) and anything that follows prices: `markets.price.<symbol>`.
 * Anything that speaks Redis may publish one (a feed in another process, an operator's tool).
 */
export const priceChannel = (market: string) => channel('markets', 'price', market);

export interface PriceEvent {
  market: string;
  price: string;
  /** ISO time of the price. */
  at: string;
  /** `trade` when the price is the exchange's own last fill; absent or `feed` for the reference feed. */
  source?: 'feed' | 'trade';
}
