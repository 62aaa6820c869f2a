import { LISTING_PATH, listingChannel, redisUrl, type ListedMarket, type SubgraphPlatform } from '@tradegraph/shared';
import type express from 'express';
import { MarketRecord } from '../store';
import { MemoryCache, RedisCache } from '../store/price-cache';
import { feedFromEnv, type FeedMarket } from '../domain/feeds';
import { PriceBook, priceBookSettings } from './price-book';
import { listingOf } from './listing';

/** The markets process's price machinery, reachable from resolvers (one per process). */
export const prices: { book?: PriceBook } = {};

/** Builds the price book before the server listens, so resolvers always find it. */
export async function preparePrices({ orm, bus, logger, registry }: SubgraphPlatform): Promise<void> {
  const url = redisUrl();
  prices.book = new PriceBook(orm, bus, url ? new RedisCache(url) : new MemoryCache(), logger, priceBookSettings(), registry);
}

/** Starts following every listed market and the configured feed (PRICE_FEED). */
export async function startPrices({ orm, bus, logger }: SubgraphPlatform): Promise<() => Promise<void>> {
  const book = prices.book!;
  const listed = await orm.em.fork().find(MarketRecord, {}, { orderBy: { symbol: 'asc' } });
  const feed = feedFromEnv(listed.filter((m) => m.status === 'active').map((m) => ({ ...feedMarketOf(m), category: m.category })));
  // Newly listed markets get followed too, and a feed that makes up prices (simulated) walks
  // them from their reference price at once.
  const listing = bus.subscribe<ListedMarket>(listingChannel);
  void (async () => {
    for await (const event of listing) {
      book.follow(event.symbol);
      if (event.status !== 'active' || !feed?.follow) continue;
      try {
        const market = await orm.em.fork().findOne(MarketRecord, { symbol: event.symbol });
        if (market) feed.follow(feedMarketOf(market));
      } catch (error) {
        logger.warn({ err: error, market: event.symbol }, 'a newly listed market could not join the price feed');
      }
    }
  })().catch((error: unknown) => logger.warn({ err: error }, 'listing subscription ended'));
  await book.start(
    listed.map((m) => m.symbol),
    feed,
  );
  return async () => {
    await listing.return?.();
    await book.stop();
  };
}

function feedMarketOf(market: MarketRecord): FeedMarket {
  return { symbol: market.symbol, tickSize: String(market.tickSize), referencePrice: String(market.referencePrice) };
}

/** `GET /listing`: every market with what the matching engine needs, for matching's start. */
export function listingRoute(app: express.Express, { orm }: SubgraphPlatform): void {
  app.get(LISTING_PATH, async (_req, res) => {
    const markets = await orm.em.fork().find(MarketRecord, {}, { orderBy: { listedAt: 'asc', symbol: 'asc' } });
    res.json({ markets: markets.map(listingOf) });
  });
}
