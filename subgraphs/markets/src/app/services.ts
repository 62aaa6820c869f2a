import type { ListingEvents } from '../events/listing';
import type { Catalog } from './catalog';
import type { PriceBook } from './price-book';
import type { MarketsSettings } from './settings';

/** What markets' `prepare()` makes once: resolvers find it in `context.services`, routes and background work get it as an argument. */
export interface MarketsServices {
  /** Last prices of every market: followed, cached and persisted (app/price-book.ts). */
  prices: PriceBook;
  /** Listing, suspending and resuming markets. */
  catalog: Catalog;
  /** The listing channel: the catalog announces on it, the price machinery follows it. */
  listing: ListingEvents;
  settings: MarketsSettings;
}
