import { Migration } from '@mikro-orm/migrations';

/**
 * Price alerts that fire: kinds (ABOVE, BELOW, CHANGE_PERCENT over a window), repeat with a
 * cool-down, expiry, and what a firing records. Existing rows stay valid: `above`/`below`
 * become ABOVE/BELOW with their price as threshold, not repeating, never expiring.
 */
export class Migration20261207200001 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table trading.price_alerts
      add column kind text,
      add column percent numeric(38,18),
      add column "window" text check ("window" in ('5m', '15m', '1h', '4h', '24h')),
      add column repeat boolean not null default false,
      add column cooldown_seconds integer check (cooldown_seconds > 0),
      add column expires_at timestamptz,
      add column triggered_price numeric(38,18),
      add column times_triggered integer not null default 0,
      add column rearm_at timestamptz`);
    this.addSql(`update trading.price_alerts set kind = case condition when 'above' then 'ABOVE' else 'BELOW' end`);
    this.addSql(`update trading.price_alerts set times_triggered = 1 where status = 'triggered'`);
    this.addSql(`alter table trading.price_alerts
      alter column kind set not null,
      add constraint price_alerts_kind check (kind in ('ABOVE', 'BELOW', 'CHANGE_PERCENT')),
      alter column price drop not null,
      drop column condition,
      drop constraint price_alerts_status_check,
      add constraint price_alerts_status_check check (status in ('active', 'triggered', 'cancelled', 'expired')),
      add constraint price_alerts_shape check (
        (kind in ('ABOVE', 'BELOW') and price is not null and percent is null and "window" is null)
        or (kind = 'CHANGE_PERCENT' and price is null and percent is not null and percent <> 0 and "window" is not null)
      ),
      add constraint price_alerts_repeat check (repeat = (cooldown_seconds is not null))`);
    // Trading loads every active alert at start; the partial index keeps that a short read.
    this.addSql(`create index price_alerts_active on trading.price_alerts (market) where status = 'active'`);
    this.addSql(
      `create index price_alerts_expiring on trading.price_alerts (expires_at) where status = 'active' and expires_at is not null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from trading.price_alerts where kind = 'CHANGE_PERCENT' or status = 'expired'`);
    this.addSql(`alter table trading.price_alerts add column condition text`);
    this.addSql(`update trading.price_alerts set condition = lower(kind)`);
    this.addSql(`drop index trading.price_alerts_active`);
    this.addSql(`drop index trading.price_alerts_expiring`);
    this.addSql(`alter table trading.price_alerts
      drop constraint price_alerts_shape, drop constraint price_alerts_repeat, drop constraint price_alerts_kind,
      drop constraint price_alerts_status_check,
      add constraint price_alerts_status_check check (status in ('active', 'triggered', 'cancelled')),
      alter column condition set not null, add constraint price_alerts_condition_check check (condition in ('above', 'below')),
      alter column price set not null,
      drop column kind, drop column percent, drop column "window", drop column repeat, drop column cooldown_seconds,
      drop column expires_at, drop column triggered_price, drop column times_triggered, drop column rearm_at`);
  }
}
