import type { ListedMarket } from '@tradegraph/shared/contracts';
import type { MarketSpec } from './engine';

/**
 * The engine learns its markets from the markets subgraph (events/listing.ts). Inside the engine
 * every asset has 8 decimal places: enough for every tick × lot the markets subgraph accepts
 * (it refuses more than 8 decimals between them) to be a whole number of quote atoms, while
 * balances up to 90 million units stay exact integers.
 */
export const ENGINE_ASSET_DECIMALS = 8;


export const MAKER_FEE_BPS = 10;
export const TAKER_FEE_BPS = 20;

/** The engine's spec of a listed market. */
export function engineSpec(market: ListedMarket): MarketSpec {
  return {
    id: market.symbol,
    base: market.base,
    quote: market.quote,
    baseDecimals: ENGINE_ASSET_DECIMALS,
    quoteDecimals: ENGINE_ASSET_DECIMALS,
    tickSize: market.tickSize,
    lotSize: market.lotSize,
    minNotional: market.minNotional,
    makerFeeBps: MAKER_FEE_BPS,
    takerFeeBps: TAKER_FEE_BPS,
  };
}
