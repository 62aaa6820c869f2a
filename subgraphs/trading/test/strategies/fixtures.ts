import type { Balances, Candle, Fill, IndicatorValues, OpenOrder, StrategyInput, StrategyMarket } from '../../src/domain/strategies';

/** BTC-USDT-like market: price 100.00 = 10,000 ticks; 1 lot = 0.0001 BTC = 10,000 base atoms; tick × lot = 1 quote atom. */
export const MARKET: StrategyMarket = { id: 'BTC-USDT', tickSize: '0.01', lotSize: '0.0001', baseDecimals: 8, quoteDecimals: 6 };

export const MINUTE = 60_000;

/** A candle around one close, in ticks. */
export function candle(ts: number, close: number, range = 0): Candle {
  return { ts, open: close, high: close + range, low: close - range, close, volume: 1 };
}

export function balances(baseAtoms: number, quoteAtoms: number): Balances {
  return { base: { available: baseAtoms, locked: 0 }, quote: { available: quoteAtoms, locked: 0 } };
}

export function input(
  c: Candle,
  extra: { balances?: Balances; fills?: Fill[]; openOrders?: OpenOrder[]; indicators?: IndicatorValues } = {},
): StrategyInput {
  return {
    candle: c,
    indicators: extra.indicators ?? {},
    openOrders: extra.openOrders ?? [],
    fills: extra.fills ?? [],
    balances: extra.balances ?? balances(0, 1_000_000_000_000),
  };
}
