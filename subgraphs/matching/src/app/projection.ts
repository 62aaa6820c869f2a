import {
  atomsToAmount,
  lotsToQuantity,
  ticksToPrice,
  type Command,
  type CommandResult,
  type Engine,
  type MarketSpec,
} from '../domain/engine';
import { ENGINE_ASSET_DECIMALS } from '../domain/catalog';
import { randomUUID } from 'node:crypto';
import { canonicalDecimal } from '@tradegraph/shared';
import type { BalanceEvent, OrderEvent, OrderStatus, TradeFillData, WebhookEvent, WebhookEventType } from '@tradegraph/shared/contracts';
import { KeyFilter } from '../domain/key-filter';

/**
 * An order as the read model shows it: the contract's OrderEvent (what `myOrderUpdates`
 * publishes) with its numeric id, the filled lots the engine counts in, and real dates.
 */
export type OrderRow = Omit<OrderEvent, 'id' | 'createdAt' | 'updatedAt'> & { id: number; filledLots: number; createdAt: Date; updatedAt: Date };

export interface FillRow {
  tradeId: number;
  orderId: number;
  userId: string;
  market: string;
  side: 'buy' | 'sell';
  liquidity: 'maker' | 'taker';
  price: string;
  quantity: string;
  fee: string;
  feeAsset: string;
  createdAt: Date;
}

/** A trading balance, as the read model shows it and `matching.balance.<user>` publishes it. */
export type BalanceRow = BalanceEvent;

const STOP_TYPES = new Set(['stop-loss', 'take-profit', 'stop-limit', 'trailing-stop']);
const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'cancelled', 'expired', 'rejected']);
export const isTerminal = (status: OrderStatus) => TERMINAL.has(status);

const amount = (atoms: number) => atomsToAmount(ENGINE_ASSET_DECIMALS, atoms);
const decimalOrNull = (value: string | null) => (value === null ? null : canonicalDecimal(value));

/** How an order's clientOrderId is keyed: it is unique per user (as in `matching.orders`). */
export const clientOrderKey = (userId: string, clientOrderId: string) => `${userId}\n${clientOrderId}`;

/**
 * How many finished orders stay in memory (about 0.5 KB each) to answer cancels, retried
 * placements and lookups: at 1,000 orders/s, the last minute. Older ones come from the read model.
 * MATCHING_FINISHED_ORDERS_KEPT overrides it (read at start, in subgraph.ts).
 */
export const FINISHED_ORDERS_KEPT_DEFAULT = 50_000;

/**
 * Turns engine events into read-model rows: orders (kept in memory while live, so each event
 * is a field update, not a query), fills and balances. What one batch touched is written in the
 * same transaction as the batch's journal entries, so the read model never runs ahead of, or
 * behind, what is durable.
 */
export class Projection {
  readonly liveOrders = new Map<number, OrderRow>();
  /** Live orders by clientOrderKey. */
  private readonly liveByClientKey = new Map<string, OrderRow>();
  /**
   * The latest finished orders (terminal, never to change again), oldest first, by id and by
   * clientOrderKey: a cancel answers with its order and a placement retried after its order
   * finished is answered with that order, without reading the read model back.
   */
  private readonly finishedById = new Map<number, OrderRow>();
  private readonly finishedByClientKey = new Map<string, OrderRow>();
  /**
   * Every clientOrderKey ever accepted: from the read model at start (Sequencer.open), then as
   * orders are accepted. A key it has never seen is new for certain, so placing it needs no
   * lookup; a key it may have seen and memory does not hold is looked up in the read model.
   */
  readonly knownClientKeys = new KeyFilter();
  touchedOrders = new Map<number, OrderRow>();
  fills: FillRow[] = [];
  balances = new Map<string, BalanceRow>();
  trades: { market: string; tradeId: number; price: string; quantity: string; takerSide: string; at: Date }[] = [];
  touchedMarkets = new Set<string>();
  /**
   * The batch's `trade.*` webhook events, in the order they happened; written to the outbox in
   * the batch's own statement, so an event exists exactly when its order or fill does.
   */
  webhookEvents: WebhookEvent<OrderEvent | TradeFillData>[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly finishedOrdersKept = FINISHED_ORDERS_KEPT_DEFAULT,
  ) {}

  private spec(market: string): MarketSpec {
    const spec = this.engine.marketSpec(market);
    if (!spec) throw new Error(`unknown market ${market}`);
    return spec;
  }

  private touch(row: OrderRow, at: Date): void {
    row.updatedAt = at;
    this.touchedOrders.set(row.id, row);
  }

  /**
   * A `trade.order_*` event carrying the order as it is now (a copy: the row changes later in the
   * batch), its decimals written as the API writes them.
   */
  private orderEvent(type: WebhookEventType, row: OrderRow, createdAt: string): void {
    const { filledLots: _lots, ...order } = row;
    const data: OrderEvent = {
      ...order,
      id: String(row.id),
      price: decimalOrNull(row.price),
      stopPrice: decimalOrNull(row.stopPrice),
      quantity: decimalOrNull(row.quantity),
      quoteAmount: decimalOrNull(row.quoteAmount),
      filledQuantity: canonicalDecimal(row.filledQuantity),
      createdAt: row.createdAt.toISOString(),
      updatedAt: createdAt,
    };
    this.webhookEvents.push({ id: randomUUID(), type, userId: row.userId, createdAt, data });
  }

  apply(command: Command, result: CommandResult): void {
    const at = new Date(command.ts);
    // One ISO time per command for its events (they all happened at the command's time).
    let iso: string | undefined;
    const when = () => (iso ??= at.toISOString());
    const clientIdsSeen = new Set<string>();
    for (const event of result.events) {
      switch (event.type) {
        case 'OrderAccepted': {
          const spec = this.spec(event.market);
          // The second leg of an OCO shares the client's id; it gets a suffix so both are addressable.
          let clientOrderId = event.clientOrderId ?? `order-${event.orderId}`;
          if (clientIdsSeen.has(clientOrderId)) clientOrderId = `${clientOrderId}:leg2`;
          clientIdsSeen.add(clientOrderId);
          const row: OrderRow = {
            id: event.orderId,
            userId: event.user,
            market: event.market,
            side: event.side,
            type: event.orderType,
            timeInForce: event.timeInForce,
            price: event.price > 0 ? ticksToPrice(spec, event.price) : null,
            stopPrice: event.stopPrice > 0 ? ticksToPrice(spec, event.stopPrice) : null,
            quantity: event.quantity > 0 ? lotsToQuantity(spec, event.quantity) : null,
            quoteAmount: event.quoteAmount > 0 ? amount(event.quoteAmount) : null,
            filledLots: 0,
            filledQuantity: '0',
            status: STOP_TYPES.has(event.orderType) ? 'pending' : 'open',
            clientOrderId,
            createdAt: at,
            updatedAt: at,
          };
          this.liveOrders.set(row.id, row);
          this.liveByClientKey.set(clientOrderKey(row.userId, clientOrderId), row);
          this.knownClientKeys.add(clientOrderKey(row.userId, clientOrderId));
          this.touch(row, at);
          this.orderEvent('trade.order_accepted', row, when());
          break;
        }
        case 'OrderTriggered': {
          const row = this.liveOrders.get(event.orderId);
          if (row && row.status === 'pending') {
            row.status = 'open';
            this.touch(row, at);
          }
          break;
        }
        case 'Trade': {
          const spec = this.spec(event.market);
          const price = ticksToPrice(spec, event.price);
          const quantity = lotsToQuantity(spec, event.quantity);
          this.touchedMarkets.add(event.market);
          this.trades.push({ market: event.market, tradeId: event.tradeId, price, quantity, takerSide: event.takerSide, at });
          const sides = [
            {
              orderId: event.takerOrderId,
              userId: event.takerUser,
              liquidity: 'taker' as const,
              fee: event.takerFee,
              side: event.takerSide,
            },
            {
              orderId: event.makerOrderId,
              userId: event.makerUser,
              liquidity: 'maker' as const,
              fee: event.makerFee,
              side: event.takerSide === 'buy' ? ('sell' as const) : ('buy' as const),
            },
          ];
          for (const s of sides) {
            const fill: FillRow = {
              tradeId: event.tradeId,
              orderId: s.orderId,
              userId: s.userId,
              market: event.market,
              side: s.side,
              liquidity: s.liquidity,
              price,
              quantity,
              fee: amount(s.fee),
              feeAsset: spec.quote,
              createdAt: at,
            };
            this.fills.push(fill);
            const { userId, orderId, createdAt: _at, ...rest } = fill;
            const data: TradeFillData = {
              ...rest,
              orderId: String(orderId),
              price: canonicalDecimal(price),
              quantity: canonicalDecimal(quantity),
              fee: canonicalDecimal(fill.fee),
              createdAt: when(),
            };
            this.webhookEvents.push({ id: randomUUID(), type: 'trade.fill', userId, createdAt: when(), data });
            const row = this.liveOrders.get(s.orderId);
            if (row) {
              row.filledLots += event.quantity;
              row.filledQuantity = lotsToQuantity(spec, row.filledLots);
              row.status = 'partially_filled';
              this.touch(row, at);
            }
          }
          break;
        }
        case 'OrderRested':
          this.touchedMarkets.add(event.market);
          break;
        case 'OrderAmended': {
          const row = this.liveOrders.get(event.orderId);
          if (row) {
            const spec = this.spec(row.market);
            row.price = ticksToPrice(spec, event.price);
            row.quantity = lotsToQuantity(spec, row.filledLots + event.remaining);
            this.touchedMarkets.add(row.market);
            this.touch(row, at);
          }
          break;
        }
        case 'OrderFilled':
        case 'OrderCancelled':
        case 'OrderExpired': {
          const row = this.liveOrders.get(event.orderId);
          if (row) {
            row.status = event.type === 'OrderFilled' ? 'filled' : event.type === 'OrderCancelled' ? 'cancelled' : 'expired';
            this.touchedMarkets.add(row.market);
            this.touch(row, at);
            // An expired order (DAY, GTD, IOC remainder) is reported as cancelled, with status `expired`.
            this.orderEvent(event.type === 'OrderFilled' ? 'trade.order_filled' : 'trade.order_cancelled', row, when());
          }
          break;
        }
        case 'BalanceChanged':
          this.balances.set(`${event.user}\n${event.asset}`, {
            userId: event.user,
            asset: event.asset,
            available: amount(event.available),
            locked: amount(event.locked),
          });
          break;
        default:
          break;
      }
    }
  }

  /** A live order read back from the read model at start. */
  restoreLive(row: OrderRow): void {
    this.liveOrders.set(row.id, row);
    this.liveByClientKey.set(clientOrderKey(row.userId, row.clientOrderId), row);
  }

  /** The order as memory knows it: live, or among the latest finished; undefined = ask the read model. */
  order(id: number): OrderRow | undefined {
    return this.liveOrders.get(id) ?? this.finishedById.get(id);
  }

  /** The same by the user's clientOrderId. */
  orderByClientId(userId: string, clientOrderId: string): OrderRow | undefined {
    const key = clientOrderKey(userId, clientOrderId);
    return this.liveByClientKey.get(key) ?? this.finishedByClientKey.get(key);
  }

  /**
   * Called once a batch is durable: forgets the oldest finished orders past the limit. Only
   * here, so an order leaves memory only once the read model holds its final row (a lookup
   * that misses memory then finds it there).
   */
  committed(): void {
    for (const [id, row] of this.finishedById) {
      if (this.finishedById.size <= this.finishedOrdersKept) break;
      this.finishedById.delete(id);
      this.finishedByClientKey.delete(clientOrderKey(row.userId, row.clientOrderId));
    }
  }

  /** Hands over what the batch touched and starts a new batch; finished orders leave the live set. */
  drain() {
    const drained = {
      orders: [...this.touchedOrders.values()].map((row) => ({ ...row })),
      fills: this.fills,
      balances: [...this.balances.values()],
      trades: this.trades,
      markets: [...this.touchedMarkets],
      webhookEvents: this.webhookEvents,
    };
    for (const row of drained.orders) {
      if (!isTerminal(row.status)) continue;
      const key = clientOrderKey(row.userId, row.clientOrderId);
      this.liveOrders.delete(row.id);
      this.liveByClientKey.delete(key);
      this.finishedById.set(row.id, row);
      this.finishedByClientKey.set(key, row);
    }
    this.touchedOrders = new Map();
    this.fills = [];
    this.balances = new Map();
    this.trades = [];
    this.touchedMarkets = new Set();
    this.webhookEvents = [];
    return drained;
  }
}
