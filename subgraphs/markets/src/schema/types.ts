import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from '@tradegraph/shared';

export enum MarketCategory {
  crypto = 'crypto',
  forex = 'forex',
  indices = 'indices',
  commodities = 'commodities',
}
registerEnumType(MarketCategory, { name: 'MarketCategory' });

export enum MarketStatus {
  active = 'active',
  suspended = 'suspended',
}
registerEnumType(MarketStatus, { name: 'MarketStatus' });

@ObjectType({ description: 'A currency or instrument that can be held or traded' })
@Directive('@key(fields: "symbol")')
export class Asset {
  @Field(() => ID) symbol!: string;
  @Field() name!: string;
  @Field(() => Int, { description: 'Fraction digits of the asset' }) decimals!: number;
}

/** The source object of a Market is the store's MarketRecord; baseAsset/quoteAsset are resolved. */
@ObjectType({ description: 'A pair that trades on the exchange, e.g. BTC-USDT' })
@Directive('@key(fields: "symbol")')
export class Market {
  @Field(() => ID, { description: 'BASE-QUOTE, e.g. BTC-USDT' }) symbol!: string;
  @Field(() => MarketCategory) category!: MarketCategory;
  @Field(() => DecimalScalar, { description: 'Smallest price step' }) tickSize!: string;
  @Field(() => DecimalScalar, { description: 'Smallest quantity step' }) lotSize!: string;
  @Field(() => DecimalScalar, { description: 'Smallest order value in the quote asset' }) minNotional!: string;
  @Field(() => MarketStatus) status!: MarketStatus;
}

@ObjectType({ description: 'A price observation for a market' })
export class Price {
  @Field(() => DecimalScalar) price!: string;
  @Field(() => DateTimeScalar) at!: Date;
}
