import type { ListedMarket } from '@tradegraph/shared/contracts';
import type { MarketSpec } from './engine';
import type { FeeTier } from './fees';

/**
 * The engine learns its markets from the markets subgraph (events/listing.ts). Inside the engine
 * every asset has 8 decimal places: enough for every tick × lot the markets subgraph accepts
 * (it refuses more than 8 decimals between them) to be a whole number of quote atoms, while
 * balances up to 90 million units stay exact integers.
 */
export const ENGINE_ASSET_DECIMALS = 8;

/** The engine's spec of a listed market, at the fee schedule's base rates (level 0, see fees.ts). */
export function engineSpec(market: ListedMarket, fees: Pick<FeeTier, 'makerBps' | 'takerBps'>): MarketSpec {
  return {
    id: market.symbol,
    base: market.base,
    quote: market.quote,
    baseDecimals: ENGINE_ASSET_DECIMALS,
    quoteDecimals: ENGINE_ASSET_DECIMALS,
    tickSize: market.tickSize,
    lotSize: market.lotSize,
    minNotional: market.minNotional,
    makerFeeBps: fees.makerBps,
    takerFeeBps: fees.takerBps,
  };
}
