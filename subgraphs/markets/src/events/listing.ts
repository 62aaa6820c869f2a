import type { ListedMarket } from '@tradegraph/shared';
import type { MarketRecord } from '../store';

/** One market as the listing contract carries it (`markets.listing.changed`, `GET /listing`). */
export function listingOf(market: MarketRecord): ListedMarket {
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
