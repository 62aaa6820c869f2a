import { channel } from './channel';

/**
 * Markets → matching and trading: the market listing. `markets.listing.changed` announces a
 * market listed, suspended or resumed; `GET /listing` on the markets subgraph (internal) returns
 * the whole listing as `ListedMarket[]`, which matching reconciles with at start and trading
 * checks alerts against.
 */
export const listingChannel = channel('markets', 'listing', 'changed');
export const LISTING_PATH = '/listing';

export interface ListedMarket {
  symbol: string;
  base: string;
  quote: string;
  category: string;
  /** Decimal strings without trailing zeros. */
  tickSize: string;
  lotSize: string;
  minNotional: string;
  status: 'active' | 'suspended';
}
