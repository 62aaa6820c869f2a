import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum DepositStatus {
  detected = 'detected',
  confirming = 'confirming',
  confirmed = 'confirmed',
  swapping = 'swapping',
  credited = 'credited',
  failed = 'failed',
  reversed = 'reversed',
  ignored_dust = 'ignored_dust',
  unsupported_token = 'unsupported_token',
}
registerEnumType(DepositStatus, {
  name: 'DepositStatus',
  description:
    'detected → confirming (n of N) → confirmed → swapping (when not USDC on the settlement chain) → credited; or reversed (its block left the chain), failed (the swap or credit failed; an admin may retry), ignored_dust (below the minimum), unsupported_token (no route to USDC)',
});

@ObjectType({ description: 'The conversion of a deposit to USDC on the settlement chain' })
export class DepositSwap {
  @Field({ description: 'local (at the reference price) or a provider' }) provider!: string;
  @Field({ description: 'pending, done or failed' }) status!: string;
  @Field() fromAsset!: string;
  @Field(() => DecimalScalar) fromAmount!: string;
  @Field() toAsset!: string;
  @Field(() => DecimalScalar, { nullable: true, description: 'What was delivered, after fees' }) toAmount!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'toAsset per fromAsset' }) price!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'In toAsset' }) fee!: string | null;
  @Field() route!: string;
  @Field(() => String, { nullable: true }) sourceTxHash!: string | null;
  @Field(() => String, { nullable: true }) destinationTxHash!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: "What the provider's quote promised, in toAsset (providers with a quote, e.g. lifi)" })
  quotedAmount?: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'The least the quote accepts after slippage, in toAsset' }) quotedMinAmount?: string | null;
}

@ObjectType({ description: 'Money arriving from outside the exchange' })
@Directive('@key(fields: "id")')
export class Deposit {
  @Field(() => ID) id!: string;
  @Field({ description: 'Chain or rail, e.g. ethereum, arbitrum' }) network!: string;
  @Field(() => DecimalScalar, { description: 'What was sent, in the asset sent' }) amount!: string;
  @Field(() => DepositStatus) status!: DepositStatus;
  @Field(() => Int) confirmations!: number;
  @Field(() => Int, { description: "Confirmations the chain needs before the deposit is credited" }) requiredConfirmations!: number;
  @Field(() => String, { nullable: true }) txHash!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'What reached the trading balance, in USDC' }) creditedAmount!: string | null;
  @Field(() => DepositSwap, { nullable: true }) swap!: DepositSwap | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { description: 'When the deposit last changed' }) updatedAt!: Date;
}

export const DepositConnection = ConnectionType(Deposit, 'Deposit');

@InputType({ description: 'Which deposits to list' })
export class DepositFilterInput {
  @Field(() => [DepositStatus], { nullable: true }) statuses?: DepositStatus[];
  @Field({ nullable: true }) chain?: string;
  @Field({ nullable: true, description: 'The asset sent, e.g. ETH' }) asset?: string;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Made at or after' }) since?: Date;
}

@ObjectType({ description: "Where a user sends money on a chain: one address per user and chain, derived from the exchange's HD key" })
export class DepositAddress {
  @Field() chain!: string;
  @Field() address!: string;
  @Field(() => DateTimeScalar) createdAt!: Date;
}

@ObjectType({ description: 'An asset a chain accepts' })
export class ChainAssetInfo {
  @Field() symbol!: string;
  @Field(() => Int) decimals!: number;
  @Field(() => DecimalScalar, { description: 'Less than this is dust: shown, never credited' }) minimum!: string;
  @Field(() => String, { nullable: true, description: 'The token contract; null for the chain coin' }) address!: string | null;
}

@ObjectType({ description: 'A chain deposits arrive on' })
export class DepositChain {
  @Field() name!: string;
  @Field(() => Int) chainId!: number;
  @Field(() => Int) confirmations!: number;
  @Field({ description: 'Whether USDC deposits here are credited without a swap' }) settlement!: boolean;
  @Field(() => [ChainAssetInfo]) assets!: ChainAssetInfo[];
}

@ObjectType({ description: 'A devnet faucet payment' })
export class DevnetPayment {
  @Field() txHash!: string;
  @Field() to!: string;
}

/** Owned by markets; funding refers to it. */
@ObjectType()
@Directive('@key(fields: "symbol", resolvable: false)')
export class Asset {
  @Field(() => ID) symbol!: string;
}

/** Owned by accounts; funding adds deposits. */
@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}
