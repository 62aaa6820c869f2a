import { channel } from './channel';

/** Matching → gateway (subscriptions): `matching.book.<market>`, the order book levels that changed. */
export const bookChannel = (market: string) => channel('matching', 'book', market);

export interface BookLevelEvent {
  price: string;
  quantity: string;
  orders: number;
}

/** Numbered so a client can detect a gap; `snapshot` when the levels are the whole book. */
export interface BookDeltaEvent {
  market: string;
  sequence: number;
  snapshot: boolean;
  bids: BookLevelEvent[];
  asks: BookLevelEvent[];
}
