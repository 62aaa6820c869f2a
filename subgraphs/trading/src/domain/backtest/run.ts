import { Engine, type Command, type CommandResult, type EngineEvent, type MarketSpec, type RejectCode } from '@tradegraph/matching/engine';
import { invalidInput } from '@tradegraph/shared/domain';
import { IndicatorSet } from '../indicators';
import type { Balances, Candle, Fill, Intent, OpenOrder, Side, Strategy } from '../strategies/types';
import { baseAtomsPerLot, quoteAtomsPerTickLot } from '../strategies/units';
import { EquityTracker, WinTracker } from './metrics';

/**
 * The backtest core (docs/architecture.md, "Strategies and backtests"): replays candles through
 * an in-memory instance of the matching engine library the live exchange runs, so a strategy's
 * simulated fills follow the same rules (validation, locking, fees, priority) as live ones.
 * Pure and deterministic: no clock, no randomness, no I/O — the same input gives the same result.
 *
 * Liquidity model — the other side of the strategy's orders is a synthetic counterparty:
 *  - Resting orders: in each candle, the candle's range fills the strategy's resting limit
 *    orders at their own price (buys priced ≥ low, sells priced ≤ high), completely; the strategy
 *    is the maker and pays the maker fee. A green candle (close ≥ open) is taken to go
 *    open → low → high → close, so buys fill before sells; a red one the other way round.
 *  - Market orders: fill at once at the candle's close moved `slippageBps` against the strategy
 *    (rounded to the tick, against it); the strategy is the taker and pays the taker fee.
 *  - Volume is not a limit, and the strategy's orders do not move the price.
 * Each candle: fill the resting orders in its range, update indicators with its close, step the
 * strategy with the fills since its last step, apply its intents (at the candle's time), then
 * value the account at the close.
 */

export interface BacktestConfig {
  /** The engine's market spec; its makerFeeBps / takerFeeBps are the fees the backtest charges. */
  market: MarketSpec;
  /** Closed candles in time order, in ticks / lots (see strategies/types.ts). */
  candles: Iterable<Candle>;
  strategy: Strategy;
  /** Starting balances in atoms. */
  initialBalances: { base: number; quote: number };
  /** Slippage of market orders in basis points of the close. Default 0. */
  slippageBps?: number;
  /** For the Sharpe ratio; default derived from the spacing of the first two candles. */
  periodsPerYear?: number;
}

export interface BacktestTrade {
  ts: number;
  clientOrderId: string;
  side: Side;
  price: number;
  quantity: number;
  /** In quote atoms (the engine charges fees in quote on both sides). */
  fee: number;
  liquidity: 'maker' | 'taker';
}

export interface BacktestRejection {
  ts: number;
  clientOrderId: string;
  code: RejectCode;
}

export interface BacktestResult {
  candles: number;
  /** Account value at each candle's close, after the strategy's step, in quote atoms (base valued at the close, floored). */
  equity: Array<{ ts: number; equity: number }>;
  trades: BacktestTrade[];
  /** Intents the engine refused (e.g. INSUFFICIENT_FUNDS): the strategy is told nothing else. */
  rejections: BacktestRejection[];
  finalBalances: { base: number; quote: number };
  /** The starting balances valued at the first close, before the strategy's first step. */
  initialEquity: number;
  finalEquity: number;
  totalReturn: number;
  maxDrawdown: number;
  /** Share of closing trades (sells, by average cost) that made money; null with none. */
  winRate: number | null;
  sharpe: number | null;
}

const BOT = 'strategy';
const LIQUIDITY = 'liquidity';
const MINUTES_PER_YEAR = 525_600;
/** The counterparty's balance of each asset, refilled when a fill would need more. */
const LIQUIDITY_FLOAT = 2 ** 50;

interface Live {
  clientOrderId: string;
  side: Side;
  price: number;
  remaining: number;
}

export function runBacktest(config: BacktestConfig): BacktestResult {
  const { market, strategy } = config;
  const slippageBps = config.slippageBps ?? 0;
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps >= 10_000)
    throw invalidInput('slippageBps must be a whole number from 0 to 9999', 'slippageBps');
  const perTickLot = quoteAtomsPerTickLot(market);
  const atomsPerLot = baseAtomsPerLot(market);
  const engine = new Engine();
  /** The strategy's balances, read again only after a command may have changed them. */
  let balances: Balances | undefined;
  const execute = (command: Command): CommandResult => {
    balances = undefined;
    return engine.apply(command);
  };
  const balancesNow = (): Balances =>
    (balances ??= { base: engine.balanceOf(BOT, market.base), quote: engine.balanceOf(BOT, market.quote) });
  const indicators = new IndicatorSet(strategy.indicators);
  const live = new Map<number, Live>(); // engine order id → the strategy's live order
  const trades: BacktestTrade[] = [];
  const rejections: BacktestRejection[] = [];
  const equity: BacktestResult['equity'] = [];
  const tracker = new EquityTracker();
  const wins = new WinTracker();
  let pending: Fill[] = [];
  let openOrders: OpenOrder[] | undefined = [];
  let adjustments = 0;
  let ts = 0;

  const must = (result: CommandResult, what: string) => {
    if (result.code !== 'OK') throw invalidInput(`backtest: the engine refused ${what} (${result.code})`, 'market');
    return result;
  };
  const fund = (user: string, asset: string, amount: number) => {
    if (amount > 0)
      must(execute({ type: 'AdjustBalance', ts, user, asset, amount, idempotencyKey: `fund:${(adjustments += 1)}` }), `funding ${user}`);
  };
  const topUp = (asset: string, needed: number) => {
    const balance = engine.balanceOf(LIQUIDITY, asset).available;
    if (balance < needed) fund(LIQUIDITY, asset, LIQUIDITY_FLOAT);
  };

  /** Follows the strategy's orders and fills through the engine's events. */
  const absorb = (events: readonly EngineEvent[], clientOrderId?: string) => {
    for (const event of events) {
      switch (event.type) {
        case 'OrderAccepted':
          if (event.user === BOT) {
            live.set(event.orderId, {
              clientOrderId: clientOrderId ?? String(event.orderId),
              side: event.side,
              price: event.price,
              remaining: event.quantity,
            });
            openOrders = undefined;
          }
          break;
        case 'Trade': {
          const mine = event.takerUser === BOT ? event.takerOrderId : event.makerUser === BOT ? event.makerOrderId : undefined;
          if (mine === undefined) break;
          const order = live.get(mine);
          const taker = mine === event.takerOrderId;
          const side: Side = taker ? event.takerSide : event.takerSide === 'buy' ? 'sell' : 'buy';
          const fee = taker ? event.takerFee : event.makerFee;
          const id = order?.clientOrderId ?? String(mine);
          if (order) {
            order.remaining = taker ? event.takerRemaining : event.makerRemaining;
            openOrders = undefined;
          }
          trades.push({
            ts,
            clientOrderId: id,
            side,
            price: event.price,
            quantity: event.quantity,
            fee,
            liquidity: taker ? 'taker' : 'maker',
          });
          pending.push({ clientOrderId: id, side, price: event.price, quantity: event.quantity, fee, ts });
          const notional = event.price * event.quantity * perTickLot;
          // Cost of a buy and proceeds of a sell, fees (quote) included.
          if (side === 'buy') wins.buy(event.quantity, notional + fee);
          else wins.sell(event.quantity, notional - fee);
          break;
        }
        case 'OrderFilled':
        case 'OrderCancelled':
        case 'OrderExpired':
          if (live.delete(event.orderId)) openOrders = undefined;
          break;
        default:
          break;
      }
    }
  };

  /** The counterparty takes every resting order of the strategy on one side priced through `limit`. */
  const sweep = (side: Side, limit: number) => {
    let lots = 0;
    let notional = 0;
    for (const order of live.values()) {
      if (order.side !== side || order.remaining <= 0) continue;
      if (side === 'buy' ? order.price >= limit : order.price <= limit) {
        lots += order.remaining;
        notional += order.price * order.remaining * perTickLot;
      }
    }
    if (lots === 0) return;
    const takerSide: Side = side === 'buy' ? 'sell' : 'buy';
    if (takerSide === 'sell') topUp(market.base, lots * atomsPerLot);
    else topUp(market.quote, 2 * notional);
    const result = execute({
      type: 'PlaceOrder',
      ts,
      market: market.id,
      user: LIQUIDITY,
      side: takerSide,
      orderType: 'limit',
      timeInForce: 'IOC',
      price: limit,
      quantity: lots,
    });
    absorb(must(result, 'the liquidity sweep').events);
  };

  const marketOrder = (intent: Extract<Intent, { orderType: 'market' }>, close: number) => {
    const price =
      intent.side === 'buy'
        ? Math.ceil((close * (10_000 + slippageBps)) / 10_000)
        : Math.max(1, Math.floor((close * (10_000 - slippageBps)) / 10_000));
    const lots = intent.quantity ?? Math.ceil((intent.quoteAmount ?? 0) / (price * perTickLot)) + 1;
    if (lots > 0) {
      if (intent.side === 'buy') topUp(market.base, lots * atomsPerLot);
      else topUp(market.quote, 2 * price * lots * perTickLot);
      const side: Side = intent.side === 'buy' ? 'sell' : 'buy';
      const quote = execute({
        type: 'PlaceOrder',
        ts,
        market: market.id,
        user: LIQUIDITY,
        side,
        orderType: 'limit',
        price,
        quantity: lots,
      });
      if (quote.code !== 'OK') {
        rejections.push({ ts, clientOrderId: intent.clientOrderId, code: quote.code });
        return;
      }
      const placed = execute({
        type: 'PlaceOrder',
        ts,
        market: market.id,
        user: BOT,
        clientOrderId: intent.clientOrderId,
        side: intent.side,
        orderType: 'market',
        quantity: intent.quantity,
        quoteAmount: intent.quantity === undefined ? intent.quoteAmount : undefined,
      });
      if (placed.code !== 'OK') rejections.push({ ts, clientOrderId: intent.clientOrderId, code: placed.code });
      else absorb(placed.events, intent.clientOrderId);
      execute({ type: 'CancelOrder', ts, user: LIQUIDITY, orderId: quote.orderId });
    }
  };

  const apply = (intents: Intent[], close: number) => {
    for (const intent of intents) {
      if (intent.kind === 'cancel') {
        const result = execute({ type: 'CancelOrder', ts, user: BOT, clientOrderId: intent.clientOrderId });
        if (result.code === 'OK') absorb(result.events);
        else rejections.push({ ts, clientOrderId: intent.clientOrderId, code: result.code });
      } else if (intent.orderType === 'market') marketOrder(intent, close);
      else {
        const result = execute({
          type: 'PlaceOrder',
          ts,
          market: market.id,
          user: BOT,
          clientOrderId: intent.clientOrderId,
          side: intent.side,
          orderType: 'limit',
          price: intent.price,
          quantity: intent.quantity,
        });
        if (result.code === 'OK') absorb(result.events, intent.clientOrderId);
        else rejections.push({ ts, clientOrderId: intent.clientOrderId, code: result.code });
      }
    }
  };

  const valueAt = (close: number): number => {
    const { base, quote } = balancesNow();
    const baseAtoms = base.available + base.locked;
    const product = baseAtoms * close * perTickLot;
    const baseValue = Number.isSafeInteger(product)
      ? Math.floor(product / atomsPerLot)
      : Number((BigInt(baseAtoms) * BigInt(close) * BigInt(perTickLot)) / BigInt(atomsPerLot));
    return baseValue + quote.available + quote.locked;
  };

  let count = 0;
  let initialEquity = 0;
  let firstTs: number | undefined;
  let secondTs: number | undefined;
  for (const candle of config.candles) {
    if (count === 0) {
      ts = candle.ts;
      firstTs = candle.ts;
      must(execute({ type: 'AddMarket', ts, spec: market }), 'the market spec');
      fund(BOT, market.base, config.initialBalances.base);
      fund(BOT, market.quote, config.initialBalances.quote);
      fund(LIQUIDITY, market.base, LIQUIDITY_FLOAT);
      fund(LIQUIDITY, market.quote, LIQUIDITY_FLOAT);
      initialEquity = valueAt(candle.close);
      tracker.add(initialEquity);
    } else {
      if (candle.ts < ts) throw invalidInput('candles must be in time order', 'candles');
      if (count === 1) secondTs = candle.ts;
      ts = candle.ts;
      if (live.size > 0) {
        if (candle.close >= candle.open) {
          sweep('buy', candle.low);
          sweep('sell', candle.high);
        } else {
          sweep('sell', candle.high);
          sweep('buy', candle.low);
        }
      }
    }
    count += 1;
    const values = indicators.update(candle.close);
    if (openOrders === undefined) {
      openOrders = [];
      for (const order of live.values())
        openOrders.push({ clientOrderId: order.clientOrderId, side: order.side, price: order.price, remaining: order.remaining });
    }

    const fills = pending;
    pending = [];
    const intents = strategy.step({ candle, indicators: values, openOrders, fills, balances: balancesNow() });
    if (intents.length > 0) apply(intents, candle.close);
    const value = valueAt(candle.close);
    equity.push({ ts, equity: value });
    tracker.add(value);
  }

  const spacing = firstTs !== undefined && secondTs !== undefined && secondTs > firstTs ? secondTs - firstTs : 60_000;
  const stats = tracker.stats(config.periodsPerYear ?? (MINUTES_PER_YEAR * 60_000) / spacing);
  const base = engine.balanceOf(BOT, market.base);
  const quote = engine.balanceOf(BOT, market.quote);
  return {
    candles: count,
    equity,
    trades,
    rejections,
    finalBalances: { base: base.available + base.locked, quote: quote.available + quote.locked },
    initialEquity,
    finalEquity: equity.length ? equity[equity.length - 1].equity : 0,
    totalReturn: stats.totalReturn,
    maxDrawdown: stats.maxDrawdown,
    winRate: wins.winRate,
    sharpe: stats.sharpe,
  };
}
