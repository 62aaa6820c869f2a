import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { CatalogMarket, MarketCategory, MarketStatus, TradingHours } from '../domain/catalog';

export type { MarketCategory, MarketStatus, TradingHours };

@Entity({ schema: 'markets', tableName: 'assets' })
export class AssetRecord {
  @PrimaryKey({ type: 'text' }) symbol!: string;
  @Property({ type: 'text' }) name!: string;
  /** How many fraction digits the asset has on chain / in the ledger. */
  @Property({ type: 'integer' }) decimals!: number;
  /** Decimals the exchange accepts and shows (at most the engine's 8): amounts with more are refused, balances are cut to it. */
  @Property({ type: 'integer' }) precision!: number;
  /** Chains the asset moves on (deposits/withdrawals), e.g. ethereum, solana. */
  @Property({ type: 'text[]' }) networks: string[] = [];
  /** From the feed where it gives them; null otherwise. */
  @Property({ type: 'decimal', columnType: 'numeric(38,2)', fieldName: 'market_cap', nullable: true }) marketCap: string | null = null;
  @Property({ type: 'decimal', columnType: 'numeric(38,8)', fieldName: 'circulating_supply', nullable: true })
  circulatingSupply: string | null = null;
}

@Entity({ schema: 'markets', tableName: 'markets' })
export class MarketRecord implements CatalogMarket {
  /** `BASE-QUOTE`, e.g. `BTC-USDT`: stable, readable, and the key other subgraphs use. */
  @PrimaryKey({ type: 'text' }) symbol!: string;
  @Property({ type: 'text', fieldName: 'base_asset' }) baseAsset!: string;
  @Property({ type: 'text', fieldName: 'quote_asset' }) quoteAsset!: string;
  @Property({ type: 'text' }) category!: MarketCategory;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'tick_size' }) tickSize!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'lot_size' }) lotSize!: string;
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'min_notional' }) minNotional!: string;
  @Property({ type: 'text' }) status!: MarketStatus;
  /** Reference price the simulated feed starts from. */
  @Property({ type: 'decimal', columnType: 'numeric(38,18)', fieldName: 'reference_price' }) referencePrice!: string;
  /** Null for markets that trade around the clock. */
  @Property({ type: 'json', fieldName: 'trading_hours', nullable: true }) tradingHours: TradingHours | null = null;
  @Property({ type: 'Date', columnType: 'timestamptz', fieldName: 'listed_at' }) listedAt: Date = new Date();
}
