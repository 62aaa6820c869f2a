import type { Express } from 'express';
import type { SubgraphPlatform } from '@tradegraph/shared';
import { Migration20261121300001 } from '../store/migrations/Migration20261121300001';
import { CandleResolver, MarketTickerResolver, TickerResolver } from '../schema/candle-resolvers';
import { exportRoutes } from '../schema/csv-export';
import { TradeIngest, tradeIngestOptions } from './trades-listener';
import { FeedHistory } from './feed-history';

/**
 * Candles, tickers and price history as one piece of the markets subgraph: its migration, its
 * resolvers, its HTTP export routes and its background work (trade ingest from matching, feed
 * history), so the subgraph definition wires it in a few lines.
 */
export const candleMigrations = [Migration20261121300001];
export const candleResolvers = [CandleResolver, TickerResolver, MarketTickerResolver] as const;

export function candleRoutes(app: Express, { orm }: SubgraphPlatform): void {
  exportRoutes(app, orm);
}

export async function startCandles({ orm, bus, logger }: SubgraphPlatform): Promise<() => Promise<void>> {
  const ingest = new TradeIngest(orm, bus, logger.child({ part: 'candles' }), tradeIngestOptions());
  const history = new FeedHistory(orm, bus, logger.child({ part: 'history' }), () => ingest.tradedMarkets());
  // Catch-up may wait for matching (it can start after markets); candles follow once it answers.
  await ingest.start();
  await history.start();
  return async () => {
    await history.stop();
    await ingest.stop();
  };
}
