import type { DepositUpdates } from '../events/deposit-updates';
import type { DepositHistory } from './deposit-history';

/** What funding's `prepare()` makes once and its resolvers find in `context.services`. */
export interface FundingServices {
  history: DepositHistory;
  updates: DepositUpdates;
}
