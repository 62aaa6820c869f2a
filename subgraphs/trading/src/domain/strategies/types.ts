import type { z } from 'zod';
import type { IndicatorSpec, IndicatorValues } from '../indicators';

/**
 * The strategy interface (docs/architecture.md, "Strategies and backtests"). A strategy is pure:
 * it is handed a closed candle, its own open orders, the fills since its last step, its balances
 * and the indicator values it declared, and answers with intents. It does no I/O and reads no
 * clock; the runner (the backtest here, a live or paper bot later) turns intents into engine
 * commands and feeds back what happened.
 *
 * Units are the matching engine's, exact safe integers, never floats for money: prices in integer
 * ticks of the market, sizes in integer lots, balances and quote amounts in integer atoms.
 * Parameters arrive as decimal strings and are converted once, in `create` (see units.ts).
 * Indicator values are plain numbers (in ticks for price-like indicators): they are signals, not money.
 */

export type Side = 'buy' | 'sell';

/** The part of a market's spec a strategy needs (structurally a subset of the engine's MarketSpec). */
export interface StrategyMarket {
  id: string;
  /** Price increment in quote per unit of base, e.g. "0.01". */
  tickSize: string;
  /** Quantity increment in base, e.g. "0.00001". */
  lotSize: string;
  baseDecimals: number;
  quoteDecimals: number;
}

/** A closed candle: prices in ticks, volume in lots, `ts` its open time in epoch ms. */
export interface Candle {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** One of the strategy's own live orders, named by the client order id the strategy chose. */
export interface OpenOrder {
  clientOrderId: string;
  side: Side;
  /** Limit price in ticks. */
  price: number;
  /** Lots still open. */
  remaining: number;
}

/** A trade of one of the strategy's orders. */
export interface Fill {
  clientOrderId: string;
  side: Side;
  price: number;
  quantity: number;
  /** Fee in quote atoms (the engine charges both sides in quote, docs/architecture.md). */
  fee: number;
  ts: number;
}

export interface Balance {
  readonly available: number;
  readonly locked: number;
}

/** Balances of the market's two assets, in atoms. */
export interface Balances {
  readonly base: Balance;
  readonly quote: Balance;
}

export interface StrategyInput {
  candle: Candle;
  /** Values of the indicators the strategy declared, by name, updated with this candle (null while warming up). */
  indicators: IndicatorValues;
  openOrders: readonly OpenOrder[];
  /** Fills since the previous step, in order. */
  fills: readonly Fill[];
  balances: Balances;
}

/** A limit order (rests at `price` until filled or cancelled). */
export interface PlaceLimit {
  kind: 'place';
  orderType: 'limit';
  clientOrderId: string;
  side: Side;
  price: number;
  quantity: number;
  reason: string;
}

/** A market order sized by lots, or (buys) by the quote atoms to spend including the fee. */
export interface PlaceMarket {
  kind: 'place';
  orderType: 'market';
  clientOrderId: string;
  side: Side;
  quantity?: number;
  quoteAmount?: number;
  reason: string;
}

export interface CancelIntent {
  kind: 'cancel';
  clientOrderId: string;
  reason: string;
}

export type Intent = PlaceLimit | PlaceMarket | CancelIntent;

/** A running strategy instance. It may keep state between steps; it must stay deterministic. */
export interface Strategy {
  /** Indicators the runner computes for it, streaming, one update per candle. */
  readonly indicators: readonly IndicatorSpec[];
  step(input: StrategyInput): Intent[];
}

/** A built-in strategy: its parameter schema and how to build an instance for a market. */
export interface StrategyDefinition<Params = unknown> {
  kind: string;
  description: string;
  params: z.ZodType<Params>;
  create(params: Params, market: StrategyMarket): Strategy;
}
