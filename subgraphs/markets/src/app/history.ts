import type { SubgraphPlatform } from '@tradegraph/shared';
import { TradeIngest, tradeIngestOptions } from '../events/trades-listener';
import { FeedHistory } from '../events/feed-history';
import type { ListingEvents } from '../events/listing';

/**
 * Candles, tickers and price history: trade ingest from matching and the reference feed's
 * history, started after the server listens. Catch-up may wait for matching (it can start
 * after markets); candles follow once it answers. A market listed meanwhile is followed from its
 * listing event.
 */
export async function startHistory({ orm, bus, logger }: SubgraphPlatform, listing: ListingEvents): Promise<() => Promise<void>> {
  const ingest = new TradeIngest(orm, bus, logger.child({ part: 'candles' }), tradeIngestOptions());
  const history = new FeedHistory(orm, bus, logger.child({ part: 'history' }), () => ingest.tradedMarkets());
  await ingest.start();
  const stopFollowing = listing.follow((event) => ingest.listed(event.symbol));
  await history.start();
  return async () => {
    await stopFollowing();
    await history.stop();
    await ingest.stop();
  };
}
