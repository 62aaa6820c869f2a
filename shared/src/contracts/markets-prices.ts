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

/**
 * Other subgraphs → markets: `GET /internal/prices?markets=ETH-USDC,USDC-USDT` (internal
 * credential) answers `ReferencePrices`, each market's last price in the order asked (null for a
 * listed market with no price yet); an unknown market is 404 `{ code: 'NOT_FOUND' }`. Markets
 * owns prices; funding's local swap converts deposits at them.
 */
export const REFERENCE_PRICES_PATH = '/internal/prices';

export interface ReferencePrice {
  market: string;
  price: string;
  /** ISO time of the price. */
  at: string;
  /** Older than PRICE_STALE_AFTER_MS. */
  stale: boolean;
}

export interface ReferencePrices {
  prices: (ReferencePrice | null)[];
}
