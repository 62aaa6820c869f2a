import { channel } from '@tradegraph/shared';
import type { OrderRow, BalanceRow } from '../store/projection';

/** An order as published on `matching.order.<userId>` whenever it changes (dates as ISO strings over Redis). */
export type OrderEvent = Omit<OrderRow, 'id' | 'createdAt' | 'updatedAt' | 'filledLots'> & {
  id: string;
  createdAt: string | Date;
  updatedAt: string | Date;
};

export interface BookLevelEvent {
  price: string;
  quantity: string;
  orders: number;
}

/** `matching.book.<market>`: the levels that changed, numbered so a client can detect a gap. */
export interface BookDeltaEvent {
  market: string;
  sequence: number;
  snapshot: boolean;
  bids: BookLevelEvent[];
  asks: BookLevelEvent[];
}

/** `matching.trades.<market>`. */
export interface TradeEvent {
  market: string;
  tradeId: string;
  price: string;
  quantity: string;
  takerSide: 'buy' | 'sell';
  at: string | Date;
}

/** `matching.balance.<userId>`. */
export type BalanceEvent = BalanceRow;

export const orderChannel = (userId: string) => channel('matching', 'order', userId);
export const bookChannel = (market: string) => channel('matching', 'book', market);
export const tradesChannel = (market: string) => channel('matching', 'trades', market);
export const balanceChannel = (userId: string) => channel('matching', 'balance', userId);
