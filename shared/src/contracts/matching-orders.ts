import { channel, type WireDate } from './channel';

/** Matching → gateway (subscriptions): `matching.order.<userId>`, every change to one user's orders. */
export const orderChannel = (userId: string) => channel('matching', 'order', userId);

export type OrderStatus = 'pending' | 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/** An order as the read model shows it and as it is published whenever it changes. */
export interface OrderEvent {
  id: string;
  userId: string;
  market: string;
  side: 'buy' | 'sell';
  type: string;
  timeInForce: string;
  price: string | null;
  stopPrice: string | null;
  quantity: string | null;
  quoteAmount: string | null;
  filledQuantity: string;
  status: OrderStatus;
  clientOrderId: string;
  createdAt: WireDate;
  updatedAt: WireDate;
}
