import { Migration } from '@mikro-orm/migrations';

/** The catalog: assets and markets, with the seed listing the exchange starts with. */
export class Migration20261121000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('create schema if not exists markets');
    this.addSql(`create table markets.assets (
      symbol text primary key,
      name text not null,
      decimals integer not null check (decimals between 0 and 18)
    )`);
    this.addSql(`create table markets.markets (
      symbol text primary key,
      base_asset text not null references markets.assets(symbol),
      quote_asset text not null references markets.assets(symbol),
      category text not null check (category in ('crypto', 'forex', 'indices', 'commodities')),
      tick_size numeric(38,18) not null check (tick_size > 0),
      lot_size numeric(38,18) not null check (lot_size > 0),
      min_notional numeric(38,18) not null check (min_notional >= 0),
      status text not null check (status in ('active', 'suspended')),
      reference_price numeric(38,18) not null check (reference_price > 0)
    )`);
    this.addSql(`insert into markets.assets (symbol, name, decimals) values
      ('BTC', 'Bitcoin', 8), ('ETH', 'Ether', 18), ('SOL', 'Solana', 9),
      ('USDT', 'Tether USD', 6), ('USDC', 'USD Coin', 6),
      ('EUR', 'Euro', 2), ('USD', 'US Dollar', 2), ('SPX', 'S&P 500 Index', 2), ('XAU', 'Gold (troy ounce)', 2)`);
    this.addSql(`insert into markets.markets
      (symbol, base_asset, quote_asset, category, tick_size, lot_size, min_notional, status, reference_price) values
      ('BTC-USDT', 'BTC', 'USDT', 'crypto', 0.01, 0.00001, 5, 'active', 65000),
      ('ETH-USDT', 'ETH', 'USDT', 'crypto', 0.01, 0.0001, 5, 'active', 3200),
      ('SOL-USDT', 'SOL', 'USDT', 'crypto', 0.001, 0.01, 5, 'active', 150),
      ('BTC-USDC', 'BTC', 'USDC', 'crypto', 0.01, 0.00001, 5, 'active', 65000),
      ('ETH-USDC', 'ETH', 'USDC', 'crypto', 0.01, 0.0001, 5, 'active', 3200),
      ('USDC-USDT', 'USDC', 'USDT', 'crypto', 0.0001, 1, 5, 'active', 1),
      ('EUR-USD', 'EUR', 'USD', 'forex', 0.00001, 1, 10, 'active', 1.08),
      ('SPX-USD', 'SPX', 'USD', 'indices', 0.01, 0.01, 10, 'active', 5800),
      ('XAU-USD', 'XAU', 'USD', 'commodities', 0.01, 0.001, 10, 'active', 2400)`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table markets.markets');
    this.addSql('drop table markets.assets');
  }
}
