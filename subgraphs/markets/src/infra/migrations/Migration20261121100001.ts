import { Migration } from '@mikro-orm/migrations';

/**
 * Catalog details (asset networks and supply, market trading hours, listing time) and the last
 * price of every market, which the price cache falls back to on a miss.
 */
export class Migration20261121100001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table markets.assets
      add column networks text[] not null default '{}',
      add column market_cap numeric(38,2),
      add column circulating_supply numeric(38,8)`);
    this.addSql(`alter table markets.markets
      add column trading_hours jsonb,
      add column listed_at timestamptz not null default now()`);
    this.addSql(`update markets.assets set networks = case symbol
      when 'BTC' then '{bitcoin}'::text[]
      when 'ETH' then '{ethereum}'::text[]
      when 'SOL' then '{solana}'::text[]
      when 'USDT' then '{ethereum,tron,solana}'::text[]
      when 'USDC' then '{ethereum,solana,base}'::text[]
      else '{}'::text[] end`);
    // Forex trades Sunday 22:00 to Friday 22:00 UTC; the index and gold on weekdays 13:30–20:00
    // and 23:00–22:00 UTC respectively (simplified sessions: weekdays and open/close in UTC).
    this.addSql(`update markets.markets set trading_hours = '{"days":[0,1,2,3,4,5],"open":"22:00","close":"22:00"}' where symbol = 'EUR-USD'`);
    this.addSql(`update markets.markets set trading_hours = '{"days":[1,2,3,4,5],"open":"13:30","close":"20:00"}' where symbol = 'SPX-USD'`);
    this.addSql(`update markets.markets set trading_hours = '{"days":[0,1,2,3,4,5],"open":"23:00","close":"22:00"}' where symbol = 'XAU-USD'`);
    this.addSql(`create table markets.last_prices (
      market text primary key references markets.markets(symbol),
      price numeric(38,18) not null check (price > 0),
      source text not null check (source in ('feed', 'trade')),
      at timestamptz not null
    )`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table markets.last_prices');
    this.addSql('alter table markets.markets drop column trading_hours, drop column listed_at');
    this.addSql('alter table markets.assets drop column networks, drop column market_cap, drop column circulating_supply');
  }
}
