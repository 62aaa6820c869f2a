import { channel } from './channel';

/** Matching → gateway (subscriptions): `matching.balance.<userId>`, a trading balance after it changed. */
export const balanceChannel = (userId: string) => channel('matching', 'balance', userId);

export interface BalanceEvent {
  userId: string;
  asset: string;
  available: string;
  locked: string;
}
