import { listingChannel, type EventBus, type ListedMarket, type Logger } from '@tradegraph/shared';

/**
 * Trading consumes markets' `markets.listing.changed`: a newly listed market is known at once,
 * before the cached listing is next loaded, and its prices are followed. Returns the function
 * that stops following.
 */
export function followListing(
  bus: EventBus,
  listing: { learn(market: ListedMarket): void },
  logger: Logger,
  onListed: (symbol: string) => void = () => undefined,
): () => Promise<void> {
  const events = bus.subscribe<ListedMarket>(listingChannel);
  void (async () => {
    for await (const market of events) {
      listing.learn(market);
      onListed(market.symbol);
    }
  })().catch((error: unknown) => logger.warn({ err: error }, 'listing subscription ended'));
  return async () => {
    await events.return?.();
  };
}
