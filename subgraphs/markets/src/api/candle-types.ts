import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { ConnectionType, DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

@Directive('@cacheControl(inheritMaxAge: true)')
@ObjectType({ description: 'An OHLCV candle: the trades of one market in one interval (or, for a market that has never traded, the reference feed with zero volume)' })
export class Candle {
  @Field({ description: 'One of 1m, 5m, 15m, 1h, 4h, 1d' }) interval!: string;
  @Field(() => DateTimeScalar, { description: 'Start of the interval (UTC, aligned to the Unix epoch)' }) openTime!: Date;
  @Field(() => DateTimeScalar, { description: 'End of the interval (exclusive)' }) closeTime!: Date;
  @Field(() => DecimalScalar) open!: string;
  @Field(() => DecimalScalar) high!: string;
  @Field(() => DecimalScalar) low!: string;
  @Field(() => DecimalScalar) close!: string;
  @Field(() => DecimalScalar, { description: 'Traded quantity in the base asset' }) volume!: string;
  @Field(() => DecimalScalar, { description: 'Traded value in the quote asset (sum of price × quantity, exact)' }) quoteVolume!: string;
  @Field(() => Int, { description: 'Number of trades' }) trades!: number;
}

export const CandleConnection = ConnectionType(Candle, 'Candle');

@Directive('@cacheControl(inheritMaxAge: true)')
@ObjectType({ description: 'A rolling 24h summary of a market (the 1440 one-minute candles ending with the current minute)' })
export class Ticker {
  @Field(() => DecimalScalar, { description: 'First price of the window' }) open!: string;
  @Field(() => DecimalScalar) high!: string;
  @Field(() => DecimalScalar) low!: string;
  @Field(() => DecimalScalar, { description: 'Latest price (even when older than the window)' }) last!: string;
  @Field(() => DecimalScalar, { description: 'Traded quantity in the base asset' }) volume!: string;
  @Field(() => DecimalScalar, { description: 'Traded value in the quote asset' }) quoteVolume!: string;
  @Field(() => DecimalScalar, { description: 'last − open' }) change!: string;
  @Field(() => DecimalScalar, { description: '(last − open) / open × 100, rounded half away from zero to 4 decimals' }) changePercent!: string;
  @Field(() => Int) trades!: number;
  @Field(() => DateTimeScalar) windowStart!: Date;
  @Field(() => DateTimeScalar, { description: 'When this ticker was computed' }) at!: Date;
  @Field({ description: '"trades" (the exchange\'s fills) or "feed" (the reference feed, for a market that has never traded)' }) source!: string;
}
