import {
  amountToAtoms,
  priceToTicks,
  quantityToLots,
  type CommandResult,
  type MarketSpec,
  type OrderType,
  type PlaceOrder,
  type RejectCode,
  type SelfTradePrevention,
  type Side,
  type TimeInForce,
} from './engine';
import { DomainError } from '@tradegraph/shared/domain';
import { ENGINE_ASSET_DECIMALS } from './catalog';

/** An order as the API receives it: decimal strings, to be checked and turned into ticks and lots. */
export interface OrderRequest {
  market: string;
  side: Side;
  type: OrderType;
  clientOrderId: string;
  quantity?: string | null;
  quoteAmount?: string | null;
  price?: string | null;
  stopPrice?: string | null;
  stopLimitPrice?: string | null;
  trailingAmount?: string | null;
  trailingBps?: number | null;
  displayQuantity?: string | null;
  postOnly?: boolean | null;
  timeInForce?: TimeInForce | null;
  expireAt?: Date | null;
  selfTradePrevention?: SelfTradePrevention | null;
}

/**
 * The engine (or the checks in front of it) refused an order: a DomainError whose code is the
 * engine's reject code (INSUFFICIENT_FUNDS, PRICE_NOT_ON_TICK, …), which clients receive as
 * `extensions.code`.
 */
export class OrderRejected extends DomainError {
  declare readonly code: RejectCode;

  constructor(code: RejectCode, message: string) {
    super(code, message);
    this.name = 'OrderRejected';
  }
}

const MESSAGES: Partial<Record<RejectCode, string>> = {
  INSUFFICIENT_FUNDS: 'Not enough available balance for this order',
  PRICE_NOT_ON_TICK: "The price is not a multiple of the market's tick size",
  QTY_NOT_ON_LOT: "The quantity is not a multiple of the market's lot size",
  BELOW_MIN_NOTIONAL: "The order's value is below the market's minimum",
  MARKET_SUSPENDED: 'The market is suspended',
  POST_ONLY_WOULD_TAKE: 'A post-only order would have traded at once',
  FOK_NOT_FILLED: 'A fill-or-kill order could not fill completely at once',
  UNKNOWN_ORDER: 'No such open order',
  UNKNOWN_MARKET: 'No such market',
  DUPLICATE_CLIENT_ORDER_ID: 'An open order already uses this clientOrderId',
  NO_REFERENCE_PRICE: 'The market has not traded yet, so this order has no reference price',
  ORDER_NOT_AMENDABLE: 'This order cannot be amended',
};

export function rejectionMessage(code: RejectCode): string {
  return MESSAGES[code] ?? `The order was refused (${code})`;
}

/** The value of a unit conversion, or the refusal its code names. */
export function unitsOrReject(result: { ok: true; value: number } | { ok: false; code: RejectCode }): number {
  if (!result.ok) throw new OrderRejected(result.code, rejectionMessage(result.code));
  return result.value;
}

/** Checks an order request against its market and expresses it in the engine's units. */
export function toPlaceOrder(request: OrderRequest, spec: MarketSpec, user: string): Omit<PlaceOrder, 'ts'> {
  const ticks = (value: string | null | undefined) => (value == null ? undefined : unitsOrReject(priceToTicks(spec, value)));
  const lots = (value: string | null | undefined) => (value == null ? undefined : unitsOrReject(quantityToLots(spec, value)));
  if (request.clientOrderId.length < 1 || request.clientOrderId.length > 64) {
    throw new OrderRejected('INVALID_ORDER', 'clientOrderId must be 1 to 64 characters');
  }
  return {
    type: 'PlaceOrder',
    market: spec.id,
    user,
    clientOrderId: request.clientOrderId,
    side: request.side,
    orderType: request.type,
    quantity: lots(request.quantity),
    quoteAmount: request.quoteAmount == null ? undefined : unitsOrReject(amountToAtoms(ENGINE_ASSET_DECIMALS, request.quoteAmount)),
    price: ticks(request.price),
    stopPrice: ticks(request.stopPrice),
    stopLimitPrice: ticks(request.stopLimitPrice),
    trailingAmount: ticks(request.trailingAmount),
    trailingBps: request.trailingBps ?? undefined,
    displayQuantity: lots(request.displayQuantity),
    postOnly: request.postOnly ?? undefined,
    timeInForce: request.timeInForce ?? undefined,
    expireAt: request.expireAt ? request.expireAt.getTime() : undefined,
    selfTradePrevention: request.selfTradePrevention ?? undefined,
  };
}

/** A refused command becomes an OrderRejected carrying the engine's code. */
export function throwIfRejected(result: CommandResult): void {
  if (result.code !== 'OK') throw new OrderRejected(result.code, rejectionMessage(result.code));
}
