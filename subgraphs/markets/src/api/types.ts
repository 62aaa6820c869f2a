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
@Directive('@cacheControl(maxAge: 60)')
export class Asset {
  @Field(() => ID) symbol!: string;
  @Field() name!: string;
  @Field(() => Int, { description: 'Fraction digits of the asset on chain (or in its own ledger)' }) decimals!: number;
  @Field(() => Int, {
    description:
      'Decimals the exchange accepts and shows for this asset (at most 8): amounts sent with more are refused with BAD_USER_INPUT naming the field; balances are shown cut to it',
  })
  precision!: number;
  @Field(() => [String], { description: 'Chains the asset moves on, e.g. ethereum, solana' }) networks!: string[];
  @Field(() => DecimalScalar, { nullable: true, description: 'Market capitalisation in USD, where the feed gives it' })
  marketCap!: string | null;
  @Field(() => DecimalScalar, { nullable: true, description: 'Circulating supply, where the feed gives it' })
  circulatingSupply!: string | null;
}

@ObjectType({ description: 'Weekly trading session in UTC for a market that does not trade around the clock' })
@Directive('@cacheControl(inheritMaxAge: true)')
export class TradingHours {
  @Field(() => [Int], { description: 'Days the session opens on, 0 = Sunday' }) days!: number[];
  @Field({ description: 'Opening time, HH:MM UTC' }) open!: string;
  @Field({ description: 'Closing time, HH:MM UTC (the next day when not after open)' }) close!: string;
}

/** The source object of a Market is the store's MarketRecord; baseAsset/quoteAsset are resolved. */
@ObjectType({ description: 'A pair that trades on the exchange, e.g. BTC-USDT' })
@Directive('@key(fields: "symbol")')
@Directive('@cacheControl(maxAge: 5)')
export class Market {
  @Field(() => ID, { description: 'BASE-QUOTE, e.g. BTC-USDT' }) symbol!: string;
  @Field(() => MarketCategory) category!: MarketCategory;
  @Field(() => DecimalScalar, { description: 'Smallest price step' }) tickSize!: string;
  @Field(() => DecimalScalar, { description: 'Smallest quantity step' }) lotSize!: string;
  @Field(() => DecimalScalar, { description: 'Smallest order value in the quote asset' }) minNotional!: string;
  @Field(() => MarketStatus) status!: MarketStatus;
  @Field(() => TradingHours, { nullable: true, description: 'Null for markets that trade around the clock' })
  tradingHours!: TradingHours | null;
  @Field(() => DateTimeScalar) listedAt!: Date;
}

export enum PriceSource {
  feed = 'feed',
  trade = 'trade',
}
registerEnumType(PriceSource, { name: 'PriceSource', description: 'trade: the exchange\'s last fill; feed: the reference feed' });

/** The source object is the domain's PriceQuote (market symbol); `market` is resolved. */
@ObjectType({ description: 'The last price of a market' })
@Directive('@cacheControl(maxAge: 1)')
export class PriceQuote {
  @Field(() => DecimalScalar) price!: string;
  @Field(() => PriceSource) source!: PriceSource;
  @Field(() => DateTimeScalar, { description: 'When the price was observed' }) at!: Date;
  @Field({ description: 'No newer price for longer than PRICE_STALE_AFTER_MS: the feed (or trading) has stopped' })
  stale!: boolean;
}
