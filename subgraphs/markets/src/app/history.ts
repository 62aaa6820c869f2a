import type { SubgraphPlatform } from '@tradegraph/shared';
import { TradeIngest, tradeIngestOptions } from '../events/trades-listener';
import { FeedHistory } from '../events/feed-history';

/**
 * Candles, tickers and price history: trade ingest from matching and the reference feed's
 * history, started after the server listens. Catch-up may wait for matching (it can start
 * after markets); candles follow once it answers.
 */
export async function startHistory({ orm, bus, logger }: SubgraphPlatform): Promise<() => Promise<void>> {
  const ingest = new TradeIngest(orm, bus, logger.child({ part: 'candles' }), tradeIngestOptions());
  const history = new FeedHistory(orm, bus, logger.child({ part: 'history' }), () => ingest.tradedMarkets());
  await ingest.start();
  await history.start();
  return async () => {
    await history.stop();
    await ingest.stop();
  };
}
