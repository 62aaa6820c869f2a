import type { MarketSpec } from './engine';

/**
 * The markets the engine starts with, matching the markets subgraph's seed listing. Inside the
 * engine every asset has 8 decimal places: enough for every tick × lot of these markets to be a
 * whole number of quote atoms, while balances up to 90 million units stay exact integers.
 * (Until markets publishes listings, matching carries its own copy; see the markets issue.)
 */
export const ENGINE_ASSET_DECIMALS = 8;

const spec = (id: string, tickSize: string, lotSize: string, minNotional: string): MarketSpec => {
  const [base, quote] = id.split('-');
  return {
    id,
    base,
    quote,
    baseDecimals: ENGINE_ASSET_DECIMALS,
    quoteDecimals: ENGINE_ASSET_DECIMALS,
    tickSize,
    lotSize,
    minNotional,
    makerFeeBps: 10,
    takerFeeBps: 20,
  };
};

export const SEED_MARKETS: MarketSpec[] = [
  spec('BTC-USDT', '0.01', '0.00001', '5'),
  spec('ETH-USDT', '0.01', '0.0001', '5'),
  spec('SOL-USDT', '0.001', '0.01', '5'),
  spec('BTC-USDC', '0.01', '0.00001', '5'),
  spec('ETH-USDC', '0.01', '0.0001', '5'),
  spec('USDC-USDT', '0.0001', '1', '5'),
  spec('EUR-USD', '0.00001', '1', '10'),
  spec('SPX-USD', '0.01', '0.01', '10'),
  spec('XAU-USD', '0.01', '0.001', '10'),
];
