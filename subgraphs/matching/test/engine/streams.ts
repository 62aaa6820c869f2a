import fc from 'fast-check';
import type { Command, CommandResult, MarketSpec, OrderType, SelfTradePrevention, TimeInForce } from '../../src/domain/engine';
import { simpleMarket } from './helpers';

/**
 * Random command streams for property tests. A few users and two markets with prices in a narrow
 * band, so orders meet, trade, trigger and self-trade often. Commands are generated as "intents"
 * (pick the n-th live order, advance the clock by dt) and turned into concrete commands while
 * the stream runs, so cancels and amends mostly hit live orders.
 */
export const USERS = ['u0', 'u1', 'u2', 'u3'];
export const MARKETS: MarketSpec[] = [
  simpleMarket({ id: 'M1', makerFeeBps: 10, takerFeeBps: 25, sessionCloseMs: 3_600_000 }),
  // A market with real scaling: 1 lot = 10 base atoms, 1 tick × 1 lot = 5 quote atoms.
  {
    id: 'M2',
    base: 'ETH',
    quote: 'USD',
    baseDecimals: 3,
    quoteDecimals: 0,
    tickSize: '500',
    lotSize: '0.01',
    minNotional: '20',
    makerFeeBps: 0,
    takerFeeBps: 50,
    maxPriceTicks: 10_000,
    maxQuantityLots: 1_000,
  },
];
const ASSETS = ['BTC', 'USD', 'ETH'];

export type Intent =
  | { kind: 'place'; dt: number; user: number; market: number; order: OrderIntent }
  | { kind: 'cancel'; dt: number; pick: number; wrongUser: boolean; byClientId: boolean }
  | { kind: 'amend'; dt: number; pick: number; price: number | null; quantity: number | null }
  | { kind: 'cancelAll'; dt: number; user: number; market: number | null }
  | { kind: 'adjust'; dt: number; user: number; asset: number; amount: number; key: number }
  | { kind: 'suspend'; dt: number; market: number; suspend: boolean }
  | { kind: 'tick'; dt: number };

interface OrderIntent {
  side: 'buy' | 'sell';
  orderType: OrderType;
  price: number;
  stopPrice: number;
  otherPrice: number;
  quantity: number;
  byQuote: boolean;
  quoteAmount: number;
  display: number | null;
  postOnly: boolean;
  tif: TimeInForce | null;
  gtdIn: number;
  stp: SelfTradePrevention | null;
  trailingBps: boolean;
  clientId: number | null;
}

const price = fc.integer({ min: 94, max: 106 });
const dt = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 60_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 7_200_000 }) });

const orderIntent: fc.Arbitrary<OrderIntent> = fc.record({
  side: fc.constantFrom('buy' as const, 'sell' as const),
  orderType: fc.oneof(
    { weight: 10, arbitrary: fc.constant<OrderType>('limit') },
    { weight: 2, arbitrary: fc.constant<OrderType>('market') },
    { weight: 1, arbitrary: fc.constantFrom<OrderType>('stop-loss', 'take-profit', 'stop-limit', 'trailing-stop', 'oco') },
  ),
  price,
  stopPrice: price,
  otherPrice: price,
  quantity: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 10 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }) }),
  byQuote: fc.boolean(),
  quoteAmount: fc.integer({ min: 1, max: 3_000 }),
  display: fc.option(fc.integer({ min: 1, max: 4 }), { freq: 5 }),
  postOnly: fc.boolean(),
  tif: fc.option(fc.constantFrom<TimeInForce>('GTC', 'IOC', 'FOK', 'DAY', 'GTD'), { freq: 2 }),
  gtdIn: fc.integer({ min: 1, max: 600_000 }),
  stp: fc.option(fc.constantFrom<SelfTradePrevention>('cancel-newest', 'cancel-oldest', 'cancel-both'), { freq: 2 }),
  trailingBps: fc.boolean(),
  clientId: fc.option(fc.integer({ min: 0, max: 5 }), { freq: 3 }),
});

export const intent: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 40, arbitrary: fc.record({ kind: fc.constant('place' as const), dt, user: fc.nat(USERS.length - 1), market: fc.nat(MARKETS.length - 1), order: orderIntent }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('cancel' as const), dt, pick: fc.nat(), wrongUser: fc.integer({ min: 0, max: 9 }).map((n) => n === 0), byClientId: fc.boolean() }) },
  {
    weight: 14,
    arbitrary: fc.record({
      kind: fc.constant('amend' as const),
      dt,
      pick: fc.nat(),
      price: fc.option(price, { freq: 2 }),
      quantity: fc.option(fc.integer({ min: 1, max: 12 }), { freq: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelAll' as const), dt, user: fc.nat(USERS.length - 1), market: fc.option(fc.nat(MARKETS.length - 1)) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('adjust' as const),
      dt,
      user: fc.nat(USERS.length - 1),
      asset: fc.nat(ASSETS.length - 1),
      amount: fc.integer({ min: -5_000, max: 20_000 }),
      key: fc.integer({ min: 0, max: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('suspend' as const), dt, market: fc.nat(MARKETS.length - 1), suspend: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), dt }) },
);

/** Turns intents into commands, following the engine's events to know which orders are live. */
export class StreamDriver {
  ts = 1_000;
  private readonly live: { id: number; user: string; clientOrderId?: string }[] = [];

  /** Commands that open the markets and fund every user. */
  opening(): Command[] {
    const commands: Command[] = MARKETS.map((spec) => ({ type: 'AddMarket', ts: this.ts, spec }));
    for (const user of USERS) {
      for (const asset of ASSETS) {
        commands.push({ type: 'AdjustBalance', ts: this.ts, user, asset, amount: asset === 'USD' ? 200_000 : 2_000, idempotencyKey: `open-${user}-${asset}` });
      }
    }
    return commands;
  }

  command(i: Intent): Command {
    this.ts += i.dt;
    const ts = this.ts;
    switch (i.kind) {
      case 'place': {
        const o = i.order;
        const market = MARKETS[i.market].id;
        const user = USERS[i.user];
        const c: Command = { type: 'PlaceOrder', ts, market, user, side: o.side, orderType: o.orderType };
        const marketStyle = o.orderType === 'market' || o.orderType === 'stop-loss' || o.orderType === 'take-profit' || o.orderType === 'trailing-stop';
        if (marketStyle && o.byQuote) c.quoteAmount = o.quoteAmount;
        else c.quantity = o.quantity;
        if (o.orderType === 'limit' || o.orderType === 'stop-limit' || o.orderType === 'oco') c.price = o.price;
        if (o.orderType === 'stop-loss' || o.orderType === 'take-profit' || o.orderType === 'stop-limit' || o.orderType === 'oco') c.stopPrice = o.stopPrice;
        if (o.orderType === 'oco' && o.otherPrice % 2 === 0) c.stopLimitPrice = o.otherPrice;
        if (o.orderType === 'trailing-stop') {
          if (o.trailingBps) c.trailingBps = 100 + (o.otherPrice % 5) * 50;
          else c.trailingAmount = 1 + (o.otherPrice % 4);
        }
        if (o.orderType === 'limit' && o.display !== null) c.displayQuantity = Math.min(o.display, o.quantity);
        if (o.orderType === 'limit' && o.postOnly && o.tif !== 'IOC' && o.tif !== 'FOK') c.postOnly = true;
        if (o.tif !== null) c.timeInForce = allowedTif(o.orderType, o.tif);
        if (c.timeInForce === 'GTD') c.expireAt = ts + o.gtdIn;
        if (c.quoteAmount !== undefined && c.timeInForce === 'FOK') delete c.timeInForce;
        if (o.stp !== null) c.selfTradePrevention = o.stp;
        if (o.clientId !== null) c.clientOrderId = `c${o.clientId}`;
        return c;
      }
      case 'cancel': {
        const target = this.live.length > 0 ? this.live[i.pick % this.live.length] : undefined;
        if (!target) return { type: 'CancelOrder', ts, user: USERS[0], orderId: 999_999 };
        const user = i.wrongUser ? USERS[(USERS.indexOf(target.user) + 1) % USERS.length] : target.user;
        return i.byClientId && target.clientOrderId
          ? { type: 'CancelOrder', ts, user, clientOrderId: target.clientOrderId }
          : { type: 'CancelOrder', ts, user, orderId: target.id };
      }
      case 'amend': {
        const target = this.live.length > 0 ? this.live[i.pick % this.live.length] : undefined;
        const c: Command = { type: 'AmendOrder', ts, user: target?.user ?? USERS[0], orderId: target?.id ?? 999_999 };
        if (i.price !== null) c.price = i.price;
        if (i.quantity !== null) c.quantity = i.quantity;
        return c;
      }
      case 'cancelAll':
        return i.market === null ? { type: 'CancelAll', ts, user: USERS[i.user] } : { type: 'CancelAll', ts, user: USERS[i.user], market: MARKETS[i.market].id };
      case 'adjust':
        return { type: 'AdjustBalance', ts, user: USERS[i.user], asset: ASSETS[i.asset], amount: i.amount, idempotencyKey: `k${i.key}` };
      case 'suspend':
        return { type: i.suspend ? 'SuspendMarket' : 'ResumeMarket', ts, market: MARKETS[i.market].id };
      case 'tick':
        return { type: 'Tick', ts };
    }
  }

  /** Tracks live orders from a command's events. */
  observe(result: CommandResult): void {
    for (const e of result.events) {
      if (e.type === 'OrderAccepted') this.live.push({ id: e.orderId, user: e.user, clientOrderId: e.clientOrderId });
      else if (e.type === 'OrderFilled' || e.type === 'OrderCancelled' || e.type === 'OrderExpired') {
        const at = this.live.findIndex((o) => o.id === e.orderId);
        if (at >= 0) this.live.splice(at, 1);
      }
    }
  }
}

function allowedTif(type: OrderType, tif: TimeInForce): TimeInForce {
  if (type === 'market') return tif === 'FOK' ? 'FOK' : 'IOC';
  if (type === 'limit' || type === 'stop-limit') return tif;
  return tif === 'IOC' || tif === 'FOK' ? 'GTC' : tif;
}
