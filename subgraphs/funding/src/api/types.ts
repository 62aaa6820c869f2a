import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum DepositStatus {
  pending = 'pending',
  confirmed = 'confirmed',
  credited = 'credited',
  failed = 'failed',
}
registerEnumType(DepositStatus, { name: 'DepositStatus' });

@ObjectType({ description: 'Money arriving from outside the exchange' })
@Directive('@key(fields: "id")')
export class Deposit {
  @Field(() => ID) id!: string;
  @Field({ description: 'Chain or rail, e.g. ethereum, pix' }) network!: string;
  @Field(() => DecimalScalar) amount!: string;
  @Field(() => DepositStatus) status!: DepositStatus;
  @Field(() => Int) confirmations!: number;
  @Field(() => String, { nullable: true }) txHash!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
}

export const DepositConnection = ConnectionType(Deposit, 'Deposit');

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
