import { Migration } from '@mikro-orm/migrations';

/**
 * Asset precision and corrected sessions.
 * - assets.precision: the decimals the exchange accepts and shows for an asset, at most the
 *   engine's 8. The chain's decimals where they fit (USDT, USDC 6; BTC 8), 8 for assets with more
 *   on chain (ETH 18, SOL 9), 2 for the fiat and index units, 3 for gold (its lot is 0.001 oz).
 * - EUR-USD and XAU-USD opened a session on Fridays too, so they traded Friday night into
 *   Saturday: forex runs Sunday 22:00 → Friday 22:00 UTC (sessions opening Sunday to Thursday),
 *   gold the same days 23:00 → 22:00.
 */
export class Migration20261207000001 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table markets.assets add column precision integer check (precision between 0 and 8)');
    this.addSql(`update markets.assets set precision = case symbol when 'XAU' then 3 else least(decimals, 8) end`);
    this.addSql('alter table markets.assets alter column precision set not null');
    this.addSql(
      `update markets.markets set trading_hours = '{"days":[0,1,2,3,4],"open":"22:00","close":"22:00"}' where symbol = 'EUR-USD'`,
    );
    this.addSql(
      `update markets.markets set trading_hours = '{"days":[0,1,2,3,4],"open":"23:00","close":"22:00"}' where symbol = 'XAU-USD'`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('alter table markets.assets drop column precision');
  }
}
