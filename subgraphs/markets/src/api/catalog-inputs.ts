import { Directive, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DecimalScalar, PageInfo } from '@tradegraph/shared';
import { Asset, Market, MarketCategory } from './types';

// Connections of public catalog data: their wrapper types inherit the list field's cache hint,
// so a whole page stays cacheable (a composite type without a hint would make it max-age 0).
@ObjectType('MarketEdge')
@Directive('@cacheControl(inheritMaxAge: true)')
class MarketEdge {
  @Field() cursor!: string;
  @Field(() => Market) node!: Market;
}

@ObjectType('MarketConnection')
@Directive('@cacheControl(inheritMaxAge: true)')
export class MarketConnection {
  @Field(() => [MarketEdge]) edges!: MarketEdge[];
  @Field(() => PageInfo)
  @Directive('@cacheControl(inheritMaxAge: true)')
  pageInfo!: PageInfo;
}

@ObjectType('AssetEdge')
@Directive('@cacheControl(inheritMaxAge: true)')
class AssetEdge {
  @Field() cursor!: string;
  @Field(() => Asset) node!: Asset;
}

@ObjectType('AssetConnection')
@Directive('@cacheControl(inheritMaxAge: true)')
export class AssetConnection {
  @Field(() => [AssetEdge]) edges!: AssetEdge[];
  @Field(() => PageInfo)
  @Directive('@cacheControl(inheritMaxAge: true)')
  pageInfo!: PageInfo;
}

export enum MarketSort {
  SYMBOL = 'SYMBOL',
  VOLUME = 'VOLUME',
  CHANGE = 'CHANGE',
  MARKET_CAP = 'MARKET_CAP',
}
registerEnumType(MarketSort, {
  name: 'MarketSort',
  description: 'VOLUME: 24h quote volume; CHANGE: 24h change in percent; MARKET_CAP: of the base asset',
});

export enum AssetSort {
  SYMBOL = 'SYMBOL',
  MARKET_CAP = 'MARKET_CAP',
}
registerEnumType(AssetSort, { name: 'AssetSort' });

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

@InputType()
export class TradingHoursInput {
  @Field(() => [Int]) days!: number[];
  @Field() open!: string;
  @Field() close!: string;
}

@InputType({ description: 'A new market between two listed assets' })
export class AddMarketInput {
  @Field({ description: 'Base asset symbol, e.g. SOL' }) base!: string;
  @Field({ description: 'Quote asset symbol, e.g. USDC' }) quote!: string;
  @Field(() => MarketCategory) category!: MarketCategory;
  @Field(() => DecimalScalar) tickSize!: string;
  @Field(() => DecimalScalar) lotSize!: string;
  @Field(() => DecimalScalar) minNotional!: string;
  @Field(() => DecimalScalar, { description: 'Where the simulated feed starts; on the tick' }) referencePrice!: string;
  @Field(() => TradingHoursInput, { nullable: true, description: 'Omit for a market that trades around the clock' })
  tradingHours?: TradingHoursInput | null;
}
