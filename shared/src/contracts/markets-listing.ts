import { channel } from './channel';

/**
 * Markets → matching and trading: the market listing. `markets.listing.changed` announces a
 * market listed, suspended or resumed; `GET /listing` on the markets subgraph (internal) returns
 * the whole listing as `ListedMarket[]`, which matching reconciles with at start and trading
 * checks alerts against.
 */
export const listingChannel = channel('markets', 'listing', 'changed');
export const LISTING_PATH = '/listing';

/**
 * A weekly trading session in UTC (rules: shared/src/trading-hours.ts): opens at `open` on each
 * of `days` (0 = Sunday) and runs until the next `close` (the next day when not after `open`).
 */
export interface TradingHours {
  days: number[];
  /** HH:MM, UTC. */
  open: string;
  /** HH:MM, UTC. */
  close: string;
}

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
  /** The market's session; null (or absent, from an older markets) for one that trades around the clock. */
  tradingHours?: TradingHours | null;
  /** Decimals the exchange accepts and shows for the base and the quote asset (Asset.precision, at most 8); absent: 8. */
  basePrecision?: number;
  quotePrecision?: number;
}
