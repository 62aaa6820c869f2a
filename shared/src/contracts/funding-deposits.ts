import { channel } from './channel';

/** Funding → gateway (subscriptions): `funding.deposit.<userId>`, a deposit as it progresses. */
export const depositChannel = (userId: string) => channel('funding', 'deposit', userId);

/**
 * A deposit's life (subgraphs/funding/src/domain/deposits.ts): seen on its chain (`detected`),
 * gathering confirmations (`confirming`, n of N), `confirmed`, converted to USDC when it is not
 * USDC on the settlement chain (`swapping`), then `credited` to the trading balance. Otherwise
 * `reversed` (its block left the chain before it was credited), `failed` (the swap failed; an
 * admin may retry), `ignored_dust` (below the token's minimum) or `unsupported_token` (no route
 * to USDC; held for an admin). Every change publishes one event here and records one webhook
 * event (`deposit.<status>`).
 */
export const DEPOSIT_STATUSES = [
  'detected',
  'confirming',
  'confirmed',
  'swapping',
  'credited',
  'failed',
  'reversed',
  'ignored_dust',
  'unsupported_token',
] as const;
export type DepositStatus = (typeof DEPOSIT_STATUSES)[number];

/** The conversion of a deposit to USDC, as the swap provider reported it. */
export interface DepositSwap {
  provider: string;
  status: 'pending' | 'done' | 'failed';
  fromAsset: string;
  fromAmount: string;
  toAsset: string;
  /** What was delivered (after fees); null until done. */
  toAmount: string | null;
  /** Price used, quote per unit of the source asset (decimal string). */
  price: string | null;
  fee: string | null;
  route: string;
  sourceTxHash: string | null;
  destinationTxHash: string | null;
  /** What the provider's quote promised (toAsset), and the least it accepts after slippage; providers with a quote only. */
  quotedAmount?: string | null;
  quotedMinAmount?: string | null;
}

export interface DepositEvent {
  id: string;
  userId: string;
  /** The asset sent (ETH, USDC, USDT, WETH, …). */
  asset: string;
  /** The chain (or rail) it arrived on. */
  network: string;
  amount: string;
  status: DepositStatus;
  confirmations: number;
  requiredConfirmations: number;
  txHash: string | null;
  /** What reached the trading balance (USDC), once credited. */
  creditedAmount: string | null;
  swap: DepositSwap | null;
  /** ISO time. */
  createdAt: string;
  /** ISO time of this change. */
  updatedAt: string;
}
