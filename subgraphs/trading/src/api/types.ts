import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum AlertCondition {
  above = 'above',
  below = 'below',
}
registerEnumType(AlertCondition, { name: 'AlertCondition', description: 'Fire when the price crosses above or below' });

export enum AlertKind {
  ABOVE = 'ABOVE',
  BELOW = 'BELOW',
  CHANGE_PERCENT = 'CHANGE_PERCENT',
}
registerEnumType(AlertKind, {
  name: 'AlertKind',
  description:
    'ABOVE / BELOW: the first price at or over / at or under `threshold`. CHANGE_PERCENT: a change of `percent` or more over `window`',
});

/** GraphQL names for the windows; the values are what Postgres and the contracts hold. */
export enum AlertWindow {
  M5 = '5m',
  M15 = '15m',
  H1 = '1h',
  H4 = '4h',
  H24 = '24h',
}
registerEnumType(AlertWindow, {
  name: 'AlertWindow',
  description: 'The window of a CHANGE_PERCENT alert: 5 minutes, 15 minutes, 1 hour, 4 hours, 24 hours',
});

export enum AlertStatus {
  active = 'active',
  triggered = 'triggered',
  cancelled = 'cancelled',
  expired = 'expired',
}
registerEnumType(AlertStatus, { name: 'AlertStatus' });

@ObjectType({ description: 'Tell me when a market crosses a price, or moves by a percent' })
@Directive('@key(fields: "id")')
export class PriceAlert {
  @Field(() => ID) id!: string;
  @Field(() => AlertKind) kind!: AlertKind;
  @Field(() => AlertCondition, { nullable: true, deprecationReason: 'Use kind' }) condition!: AlertCondition | null;
  @Field(() => DecimalScalar, { nullable: true, deprecationReason: 'Use threshold' }) price!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'ABOVE / BELOW: the price that fires it' }) threshold!: string | null;
  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'CHANGE_PERCENT: the signed change that fires it (5 = a rise of 5 % or more, -5 = a fall of 5 % or more)',
  })
  percent!: string | null;
  @Field(() => AlertWindow, { nullable: true, description: 'CHANGE_PERCENT: the window the change is measured over' })
  window!: AlertWindow | null;
  @Field({ description: 'Armed again after each firing, once the cool-down has passed' }) repeat!: boolean;
  @Field(() => Int, { nullable: true, description: 'Repeating alerts: seconds between a firing and the alert being armed again' })
  cooldownSeconds!: number | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'The alert stops (status expired) at this time' }) expiresAt!: Date | null;
  @Field(() => AlertStatus) status!: AlertStatus;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it last fired' }) triggeredAt!: Date | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'The price that crossed when it last fired' }) triggeredPrice!: string | null;
  @Field(() => Int) timesTriggered!: number;
  @Field(() => DateTimeScalar, { nullable: true, description: 'A repeating alert that fired is armed again at this time' })
  rearmsAt!: Date | null;
}

@InputType({ description: 'A price alert: ABOVE / BELOW take threshold; CHANGE_PERCENT takes percent and window' })
export class PriceAlertInput {
  @Field() market!: string;
  @Field(() => AlertKind) kind!: AlertKind;
  @Field(() => DecimalScalar, { nullable: true }) threshold?: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Signed: 5 fires on a rise of 5 % or more, -5 on a fall of 5 % or more' })
  percent?: string | null;
  @Field(() => AlertWindow, { nullable: true }) window?: AlertWindow | null;
  @Field({ nullable: true, defaultValue: false }) repeat?: boolean;
  @Field(() => Int, { nullable: true, description: 'Repeating alerts only; default 300' }) cooldownSeconds?: number | null;
  @Field(() => DateTimeScalar, { nullable: true }) expiresAt?: Date | null;
}

@ObjectType({ description: 'One firing of one of your price alerts' })
export class AlertTriggered {
  @Field(() => PriceAlert, { description: 'The alert as it stands after the firing' }) alert!: PriceAlert;
  @Field(() => DecimalScalar, { description: 'The price that crossed' }) price!: string;
  @Field(() => DateTimeScalar, { description: 'The time of that price, as its feed stamped it' }) priceAt!: Date;
  @Field(() => DecimalScalar, { nullable: true, description: 'CHANGE_PERCENT: the price at the start of the window' })
  referencePrice!: string | null;
  @Field(() => DateTimeScalar, { description: 'When the alert fired' }) at!: Date;
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
