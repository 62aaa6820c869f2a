import { channel } from '@tradegraph/shared';
import type { MarketRecord } from '../store';

/**
 * `markets.listing.changed`: a market was listed, suspended or resumed. The matching engine
 * applies each as an engine command (journaled, so a replay rebuilds the same listing) and,
 * when it starts, reconciles with the whole listing from `GET /listing` on this subgraph.
 */
export interface ListingEvent {
  symbol: string;
  base: string;
  quote: string;
  category: string;
  tickSize: string;
  lotSize: string;
  minNotional: string;
  status: 'active' | 'suspended';
}

export const listingChannel = channel('markets', 'listing', 'changed');

export function listingOf(market: MarketRecord): ListingEvent {
  return {
    symbol: market.symbol,
    base: market.baseAsset,
    quote: market.quoteAsset,
    category: market.category,
    tickSize: trim(String(market.tickSize)),
    lotSize: trim(String(market.lotSize)),
    minNotional: trim(String(market.minNotional)),
    status: market.status,
  };
}

function trim(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
