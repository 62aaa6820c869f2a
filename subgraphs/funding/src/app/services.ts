import type { DepositUpdates } from '../events/deposit-updates';
import type { DepositHistory } from './deposit-history';
import type { FundingChains } from './funding-chains';

/** What funding's `prepare()` makes once and its resolvers find in `context.services`. */
export interface FundingServices {
  history: DepositHistory;
  updates: DepositUpdates;
  chains: FundingChains;
}
