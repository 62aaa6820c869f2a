import {
  DomainError,
  cutToPrecision,
  isOpenAt,
  nextOpenAfter,
  requirePrecision,
  type ListedMarket,
  type TradingHours,
} from '@tradegraph/shared';
import { ENGINE_ASSET_DECIMALS } from '../domain/catalog';

/**
 * What matching keeps of the markets listing beside the engine's market specs: each market's
 * trading session and each asset's precision (Asset.precision). In memory, filled from
 * `GET /listing` at start and kept current by `markets.listing.changed` (events/listing.ts), so
 * the checks below cost a map lookup, never a database read. It outlives engine rebuilds.
 *
 * Neither the session nor the precision is engine state: both are checked before a command is
 * journaled (the session reads the clock, which a journal replay must not), and precision only
 * shapes what users send and see; the engine keeps 8 decimals for every asset.
 */
export class ListingCatalog {
  private readonly hours = new Map<string, TradingHours>();
  private readonly precision = new Map<string, number>();

  note(market: ListedMarket): void {
    if (market.tradingHours) this.hours.set(market.symbol, market.tradingHours);
    else this.hours.delete(market.symbol);
    if (market.basePrecision !== undefined) this.precision.set(market.base, market.basePrecision);
    if (market.quotePrecision !== undefined) this.precision.set(market.quote, market.quotePrecision);
  }

  /** The decimals the exchange accepts and shows for `asset` (8, the engine's, when the listing says nothing). */
  precisionOf(asset: string): number {
    return this.precision.get(asset) ?? ENGINE_ASSET_DECIMALS;
  }

  /** An amount as users see it: cut to the asset's precision (toward zero: never more than is held). */
  shown(asset: string, amount: string): string {
    const precision = this.precision.get(asset);
    return precision === undefined || precision >= ENGINE_ASSET_DECIMALS ? amount : cutToPrecision(amount, precision);
  }

  /** Refuses (BAD_USER_INPUT naming `field`) an amount of `asset` with more decimals than its precision. */
  requirePrecision(asset: string, amount: string, field: string): void {
    requirePrecision(amount, this.precisionOf(asset), field, asset);
  }

  /** Refuses (MARKET_CLOSED, with `nextOpen`) an order in a market outside its session at `now`. */
  requireOpen(market: string, now: number): void {
    const hours = this.hours.get(market);
    if (!hours || isOpenAt(hours, now)) return;
    const next = nextOpenAfter(hours, now);
    throw new DomainError('MARKET_CLOSED', `${market} is outside its trading session (${hours.open}–${hours.close} UTC)`, {
      nextOpen: next === null ? null : new Date(next).toISOString(),
    });
  }
}
