import DataLoader from 'dataloader';
import { batchLoader, type EntityManager, type Logger } from '@tradegraph/shared';
import type { PriceQuote } from '../domain/prices';
import type { Ticker } from '../domain/tickers';
import { AssetRecord, MarketRecord } from './entities';
import { findTickers } from './candle-store';

/** Where the quote loader reads last prices (the price book: app/price-book.ts). */
export interface QuoteSource {
  get(markets: readonly string[]): Promise<(PriceQuote | null)[]>;
}

export function createLoaders(em: EntityManager, logger: Logger, services: { prices: QuoteSource }) {
  return {
    marketBySymbol: batchLoader(
      'marketBySymbol',
      logger,
      (symbols: readonly string[]) => em.find(MarketRecord, { symbol: { $in: [...symbols] } }),
      (m) => m.symbol,
    ),
    assetBySymbol: batchLoader(
      'assetBySymbol',
      logger,
      (symbols: readonly string[]) => em.find(AssetRecord, { symbol: { $in: [...symbols] } }),
      (a) => a.symbol,
    ),
    /** Market.lastPrice / Market.stale of a whole request in one cache read. */
    quoteBySymbol: new DataLoader<string, PriceQuote | null>((symbols) => services.prices.get(symbols)),
    /** Market.ticker / Query.tickers of a whole request in one query. */
    tickerBySymbol: new DataLoader<string, Ticker | null>(async (markets) => {
      const tickers = await findTickers({ em }, [...markets]);
      return markets.map((market) => tickers.get(market) ?? null);
    }),
  };
}
export type MarketsLoaders = ReturnType<typeof createLoaders>;
