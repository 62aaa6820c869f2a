import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum AlertCondition {
  above = 'above',
  below = 'below',
}
registerEnumType(AlertCondition, { name: 'AlertCondition', description: 'Fire when the price crosses above or below' });

export enum AlertStatus {
  active = 'active',
  triggered = 'triggered',
  cancelled = 'cancelled',
}
registerEnumType(AlertStatus, { name: 'AlertStatus' });

@ObjectType({ description: 'Tell me when a market crosses a price' })
@Directive('@key(fields: "id")')
export class PriceAlert {
  @Field(() => ID) id!: string;
  @Field(() => AlertCondition) condition!: AlertCondition;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => AlertStatus) status!: AlertStatus;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) triggeredAt!: Date | null;
}

@ObjectType()
@Directive('@key(fields: "symbol", resolvable: false)')
export class Market {
  @Field(() => ID) symbol!: string;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID) id!: string;
}
