import { channel } from '@tradegraph/shared';
import type { OrderSide, OrderStatus } from '../store';

/** An order as published on `matching.order.<userId>` whenever it changes. */
export interface OrderEvent {
  id: string;
  userId: string;
  market: string;
  side: OrderSide;
  type: string;
  price: string | null;
  quantity: string;
  filledQuantity: string;
  status: OrderStatus;
  clientOrderId: string;
  createdAt: string;
  updatedAt: string;
}

export const orderChannel = (userId: string) => channel('matching', 'order', userId);
export const bookChannel = (market: string) => channel('matching', 'book', market);
