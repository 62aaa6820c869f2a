import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum WithdrawalStatus {
  held = 'held',
  requested = 'requested',
  signed = 'signed',
  broadcast = 'broadcast',
  completed = 'completed',
  failed = 'failed',
}
registerEnumType(WithdrawalStatus, {
  name: 'WithdrawalStatus',
  description:
    'held (debited; waits for an admin: approved → requested, rejected → failed) or requested (debited from the trading balance) → signed (a transaction with the next nonce is recorded) → broadcast (sent; confirmations grow) → completed; or failed (reverted or dropped: the debit is given back)',
});

@ObjectType({ description: 'Money leaving the exchange to an address on a chain' })
export class Withdrawal {
  @Field(() => ID) id!: string;
  @Field() chain!: string;
  @Field({ description: 'The asset sent, e.g. USDC, ETH' }) asset!: string;
  @Field({ description: 'The recipient (EIP-55 checksummed)' }) toAddress!: string;
  @Field(() => DecimalScalar, { description: 'What the recipient receives' }) amount!: string;
  @Field(() => DecimalScalar, { description: "The exchange's fee, in the asset" }) exchangeFee!: string;
  @Field(() => DecimalScalar, { description: 'The network fee charged, in the asset (0 for a token: its exchange fee covers gas)' }) networkFee!: string;
  @Field(() => DecimalScalar, { description: 'Debited from the trading balance: amount and fees' }) total!: string;
  @Field(() => WithdrawalStatus) status!: WithdrawalStatus;
  @Field(() => String, { nullable: true, description: 'The transaction (the latest one after a replacement)' }) txHash!: string | null;
  @Field(() => Int) confirmations!: number;
  @Field(() => Int) requiredConfirmations!: number;
  @Field(() => String, { nullable: true, description: 'Why it failed' }) failure!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it is (or was) held for an admin' }) holdReason!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar) updatedAt!: Date;
}

@ObjectType({ description: 'What a withdrawal would cost now; requestWithdrawal takes its id until it expires' })
export class WithdrawalQuote {
  @Field(() => ID) id!: string;
  @Field() chain!: string;
  @Field() asset!: string;
  @Field(() => DecimalScalar) amount!: string;
  @Field(() => DecimalScalar, { description: "The exchange's fee, in the asset" }) exchangeFee!: string;
  @Field(() => DecimalScalar, { description: 'The network fee charged, in the asset (0 for a token)' }) networkFee!: string;
  @Field(() => DecimalScalar, { description: "The live network-fee estimate in the chain's coin (gas estimate × fee per gas + margin)" })
  networkFeeNative!: string;
  @Field(() => DecimalScalar, { description: 'What would be debited: amount and fees' }) total!: string;
  @Field(() => DateTimeScalar) expiresAt!: Date;
}

@InputType({ description: 'A withdrawal to an address' })
export class RequestWithdrawalInput {
  @Field() asset!: string;
  @Field() chain!: string;
  @Field() toAddress!: string;
  @Field(() => DecimalScalar) amount!: string;
  @Field({ description: 'Yours, 1..100 characters: the same key again answers the same withdrawal, never a second one' }) idempotencyKey!: string;
  @Field({ description: 'A current TOTP code (or a recovery code)' }) twoFactorCode!: string;
  @Field(() => ID, { nullable: true, description: 'A withdrawalQuote to hold to (its fees), until it expires' }) quoteId?: string;
}

@ObjectType({ description: 'An address in your withdrawal address book' })
export class WithdrawalAddress {
  @Field(() => ID) id!: string;
  @Field() chain!: string;
  @Field() address!: string;
  @Field() label!: string;
  @Field(() => DateTimeScalar, { description: 'Withdrawals to it are refused before this (the cool-off)' }) usableFrom!: Date;
  @Field(() => DateTimeScalar) createdAt!: Date;
}
