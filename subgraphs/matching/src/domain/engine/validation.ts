import { Rejection } from './base';
import { MAX_ORDER_NOTIONAL, isPositiveInteger } from './limits';
import type { MarketState } from './market';
import { nextSessionClose } from './market-spec';
import type { OrderType, PlaceOrder, SelfTradePrevention, TimeInForce } from './types';

const ORDER_TYPES: ReadonlySet<string> = new Set<OrderType>([
  'market',
  'limit',
  'stop-loss',
  'take-profit',
  'stop-limit',
  'trailing-stop',
  'oco',
]);
const STP_MODES: ReadonlySet<string> = new Set<SelfTradePrevention>(['cancel-newest', 'cancel-oldest', 'cancel-both']);
const IMMEDIATE_TIF: ReadonlySet<string> = new Set<TimeInForce>(['IOC', 'FOK']);
const WAITING_TIF: ReadonlySet<string> = new Set<TimeInForce>(['GTC', 'DAY', 'GTD']);
const ANY_TIF: ReadonlySet<string> = new Set<TimeInForce>(['GTC', 'IOC', 'FOK', 'DAY', 'GTD']);
/** Orders that execute at any price once they are live (now or when triggered). */
export const MARKET_STYLE: ReadonlySet<string> = new Set<OrderType>(['market', 'stop-loss', 'take-profit', 'trailing-stop']);

/** Checks a PlaceOrder's shape and limits; returns its normalised numbers. */
export function validateOrder(c: PlaceOrder, m: MarketState) {
  const type = c.orderType;
  if ((c.side !== 'buy' && c.side !== 'sell') || !ORDER_TYPES.has(type)) throw new Rejection('INVALID_ORDER');
  if (c.selfTradePrevention !== undefined && !STP_MODES.has(c.selfTradePrevention)) throw new Rejection('INVALID_ORDER');
  const marketStyle = MARKET_STYLE.has(type);
  const timeInForce: TimeInForce = c.timeInForce ?? (type === 'market' ? 'IOC' : 'GTC');
  const allowedTif =
    type === 'market'
      ? IMMEDIATE_TIF
      : marketStyle || type === 'oco'
        ? WAITING_TIF // how long they wait for the trigger; they execute immediately when triggered
        : ANY_TIF;
  if (!allowedTif.has(timeInForce)) throw new Rejection('INVALID_ORDER');

  // Size: lots, or a quote amount for market-style orders.
  let quantity = 0;
  let quoteAmount = 0;
  if (c.quoteAmount !== undefined) {
    if (!marketStyle || c.quantity !== undefined || timeInForce === 'FOK') throw new Rejection('INVALID_ORDER');
    if (!isPositiveInteger(c.quoteAmount) || c.quoteAmount > MAX_ORDER_NOTIONAL) throw new Rejection('INVALID_AMOUNT');
    quoteAmount = c.quoteAmount;
  } else {
    quantity = checkQuantity(c.quantity, m);
  }

  const needsPrice = type === 'limit' || type === 'stop-limit' || type === 'oco';
  const needsStop = type === 'stop-loss' || type === 'take-profit' || type === 'stop-limit' || type === 'oco';
  if ((c.price !== undefined) !== needsPrice || (c.stopPrice !== undefined) !== needsStop) throw new Rejection('INVALID_ORDER');
  const price = needsPrice ? checkPrice(c.price, m) : 0;
  const stopPrice = needsStop ? checkPrice(c.stopPrice, m) : 0;
  if (c.stopLimitPrice !== undefined) {
    if (type !== 'oco') throw new Rejection('INVALID_ORDER');
    checkPrice(c.stopLimitPrice, m);
  }

  const trailing = type === 'trailing-stop';
  if (trailing) {
    const byAmount = c.trailingAmount !== undefined;
    if (byAmount === (c.trailingBps !== undefined)) throw new Rejection('INVALID_ORDER');
    if (byAmount && (!isPositiveInteger(c.trailingAmount) || c.trailingAmount > m.maxPriceTicks)) throw new Rejection('INVALID_ORDER');
    if (!byAmount && (!isPositiveInteger(c.trailingBps) || c.trailingBps >= 10_000)) throw new Rejection('INVALID_ORDER');
  } else if (c.trailingAmount !== undefined || c.trailingBps !== undefined) {
    throw new Rejection('INVALID_ORDER');
  }

  if (c.displayQuantity !== undefined) {
    if (type !== 'limit') throw new Rejection('INVALID_ORDER');
    if (!isPositiveInteger(c.displayQuantity)) throw new Rejection('QTY_NOT_ON_LOT');
    if (c.displayQuantity > quantity) throw new Rejection('QTY_OUT_OF_RANGE');
  }
  if (c.postOnly && (type !== 'limit' || timeInForce === 'IOC' || timeInForce === 'FOK')) throw new Rejection('INVALID_ORDER');

  let expireAt = 0;
  if (timeInForce === 'GTD') {
    if (!Number.isSafeInteger(c.expireAt) || (c.expireAt as number) <= c.ts) throw new Rejection('INVALID_EXPIRY');
    expireAt = c.expireAt as number;
  } else if (c.expireAt !== undefined) {
    throw new Rejection('INVALID_EXPIRY');
  } else if (timeInForce === 'DAY') {
    expireAt = nextSessionClose(c.ts, m.sessionCloseMs);
  }

  // Minimum value, wherever the price is known up front.
  const valuationPrice = price || stopPrice;
  if (quoteAmount > 0 ? quoteAmount < m.minNotional : valuationPrice > 0 && m.notional(valuationPrice, quantity) < m.minNotional) {
    throw new Rejection('BELOW_MIN_NOTIONAL');
  }
  if (trailing && m.lastPrice === 0) throw new Rejection('NO_REFERENCE_PRICE');
  return { timeInForce, quantity, quoteAmount, price, stopPrice, expireAt };
}

export function checkPrice(price: unknown, m: MarketState): number {
  if (!isPositiveInteger(price)) throw new Rejection('PRICE_NOT_ON_TICK');
  if (price > m.maxPriceTicks) throw new Rejection('PRICE_OUT_OF_RANGE');
  return price;
}

export function checkQuantity(quantity: unknown, m: MarketState): number {
  if (!isPositiveInteger(quantity)) throw new Rejection('QTY_NOT_ON_LOT');
  if (quantity > m.maxQuantityLots) throw new Rejection('QTY_OUT_OF_RANGE');
  return quantity;
}
