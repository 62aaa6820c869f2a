import { listingChannel, type EventBus, type ListedMarket, type Logger } from '@tradegraph/shared';
import { listingOf, type CatalogMarket } from '../domain/catalog';

/**
 * Markets' own listing channel, `markets.listing.changed` (shared/src/contracts/markets-listing.ts):
 * published when a market is listed, suspended or resumed; matching and trading follow it, and so
 * does markets' own price machinery (a newly listed market gets prices at once).
 */
export class ListingEvents {
  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  publish(market: CatalogMarket, precision: ReadonlyMap<string, number>): Promise<void> {
    return this.bus.publish(listingChannel, listingOf(market, precision));
  }

  /** Calls `onChange` for every listing event until the returned function is called. */
  follow(onChange: (market: ListedMarket) => Promise<void> | void): () => Promise<void> {
    const events = this.bus.subscribe<ListedMarket>(listingChannel);
    void (async () => {
      for await (const event of events) await onChange(event);
    })().catch((error: unknown) => this.logger.warn({ err: error }, 'listing subscription ended'));
    return async () => {
      await events.return?.();
    };
  }
}
