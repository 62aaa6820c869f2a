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
import type { OrderStatus } from './entities';

/** An order as the read model (and `myOrderUpdates`) shows it. */
export interface OrderRow {
  id: number;
  userId: string;
  market: string;
  side: 'buy' | 'sell';
  type: string;
  timeInForce: string;
  price: string | null;
  stopPrice: string | null;
  quantity: string | null;
  quoteAmount: string | null;
  filledLots: number;
  filledQuantity: string;
  status: OrderStatus;
  clientOrderId: string;
  createdAt: Date;
  updatedAt: Date;
}

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

export interface BalanceRow {
  userId: string;
  asset: string;
  available: string;
  locked: string;
}

const STOP_TYPES = new Set(['stop-loss', 'take-profit', 'stop-limit', 'trailing-stop']);
const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'cancelled', 'expired', 'rejected']);
export const isTerminal = (status: OrderStatus) => TERMINAL.has(status);

const amount = (atoms: number) => atomsToAmount(ENGINE_ASSET_DECIMALS, atoms);

/**
 * Turns engine events into read-model rows: orders (kept in memory while live, so each event
 * is a field update, not a query), fills and balances. What one batch touched is written in the
 * same transaction as the batch's journal entries, so the read model never runs ahead of, or
 * behind, what is durable.
 */
export class Projection {
  readonly liveOrders = new Map<number, OrderRow>();
  touchedOrders = new Map<number, OrderRow>();
  fills: FillRow[] = [];
  balances = new Map<string, BalanceRow>();
  trades: { market: string; tradeId: number; price: string; quantity: string; takerSide: string; at: Date }[] = [];
  touchedMarkets = new Set<string>();

  constructor(private readonly engine: Engine) {}

  private spec(market: string): MarketSpec {
    const spec = this.engine.marketSpec(market);
    if (!spec) throw new Error(`unknown market ${market}`);
    return spec;
  }

  private touch(row: OrderRow, at: Date): void {
    row.updatedAt = at;
    this.touchedOrders.set(row.id, row);
  }

  apply(command: Command, result: CommandResult): void {
    const at = new Date(command.ts);
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
          this.touch(row, at);
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
            this.fills.push({
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
            });
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

  /** Hands over what the batch touched and starts a new batch; finished orders leave memory. */
  drain() {
    const drained = {
      orders: [...this.touchedOrders.values()].map((row) => ({ ...row })),
      fills: this.fills,
      balances: [...this.balances.values()],
      trades: this.trades,
      markets: [...this.touchedMarkets],
    };
    for (const row of this.touchedOrders.values()) if (isTerminal(row.status)) this.liveOrders.delete(row.id);
    this.touchedOrders = new Map();
    this.fills = [];
    this.balances = new Map();
    this.trades = [];
    this.touchedMarkets = new Set();
    return drained;
  }
}
