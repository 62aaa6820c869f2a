import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

@ObjectType({ description: 'One line of a ledger entry: positive debits, negative credits; an entry sums to zero per asset' })
export class LedgerPosting {
  @Field(() => ID) id!: string;
  @Field({ description: 'The event the entry records, e.g. deposit:<id>:credit, withdrawal:<id>:sent (one entry per source, ever)' }) source!: string;
  @Field({ description: 'deposit_credit, withdrawal_debit, withdrawal_sent, withdrawal_release, network_fee, sweep, sweep_gas, treasury_funding' }) kind!: string;
  @Field({ description: 'user:<id>:<asset>, hot-wallet:<chain>:<asset>, deposit-address:<chain>:<asset>, withdrawals:pending:<asset>, fees:<asset>, network-fees:<chain>:<asset>, clearing:swap, treasury:<chain>:<asset>' })
  account!: string;
  @Field() asset!: string;
  @Field(() => DecimalScalar) amount!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
}

@ObjectType({ description: 'One chain of an asset: what its wallets hold on chain against what the ledger says they hold' })
export class ChainReconciliation {
  @Field() chain!: string;
  @Field(() => DecimalScalar) hotWalletOnChain!: string;
  @Field(() => DecimalScalar) hotWalletLedger!: string;
  @Field(() => DecimalScalar, { description: "The sum over the users' deposit addresses" }) depositAddressesOnChain!: string;
  @Field(() => DecimalScalar) depositAddressesLedger!: string;
  @Field(() => DecimalScalar, { description: 'on chain − ledger' }) difference!: string;
}

@ObjectType({ description: 'Deposits not credited yet or withdrawals under way, per chain and status: what a difference usually is' })
export class ReconciliationOpenItem {
  @Field({ description: 'deposit or withdrawal' }) kind!: string;
  @Field() chain!: string;
  @Field() status!: string;
  @Field(() => Int) count!: number;
  @Field(() => DecimalScalar) amount!: string;
}

@ObjectType({ description: "One asset: matching's balances against the ledger, the chains against the ledger" })
export class AssetReconciliation {
  @Field() asset!: string;
  @Field(() => DecimalScalar, { description: "Users' available balances in matching" }) engineAvailable!: string;
  @Field(() => DecimalScalar, { description: "Users' locked balances in matching (open orders)" }) engineLocked!: string;
  @Field(() => DecimalScalar, { description: 'Trading fees matching collected' }) engineFees!: string;
  @Field(() => DecimalScalar, { description: 'Net balance adjustments funding did not make (demo credits): never in the ledger' }) engineOtherAdjustments!: string;
  @Field(() => DecimalScalar, { description: 'What the ledger says users are owed (−Σ user:*)' }) ledgerUsers!: string;
  @Field(() => DecimalScalar, { description: 'Debited from users, not yet sent or given back (−Σ withdrawals:pending)' }) ledgerPendingWithdrawals!: string;
  @Field(() => DecimalScalar, { description: 'Withdrawal and swap fees earned (−Σ fees)' }) ledgerFees!: string;
  @Field(() => DecimalScalar, { description: '(engineAvailable + engineLocked + engineFees − engineOtherAdjustments) − ledgerUsers' }) engineDifference!: string;
  @Field(() => [ChainReconciliation]) chains!: ChainReconciliation[];
  @Field(() => DecimalScalar, { description: 'Σ hot-wallet and deposit-address accounts' }) ledgerWallets!: string;
  @Field(() => DecimalScalar, { description: 'Σ on-chain balances of the hot wallet and deposit addresses' }) onChain!: string;
  @Field(() => DecimalScalar, { description: 'onChain − ledgerWallets' }) chainDifference!: string;
  @Field(() => [ReconciliationOpenItem]) openItems!: ReconciliationOpenItem[];
  @Field(() => [LedgerPosting], { description: 'The newest postings on the asset (postingsPerAsset)' }) postings!: LedgerPosting[];
}

@ObjectType({ description: 'Where every unit is (admin)' })
export class Reconciliation {
  @Field(() => DateTimeScalar) at!: Date;
  @Field(() => [AssetReconciliation]) assets!: AssetReconciliation[];
}
