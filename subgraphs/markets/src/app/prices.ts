import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@tradegraph/shared';
import type { FeedMarket } from '../domain/price-feed';
import { findMarket, marketsBySymbol, type MarketRecord } from '../infra';
import { feedFromSettings } from '../infra/feeds';
import type { ListingEvents } from '../events/listing';
import type { PriceBook } from './price-book';

/**
 * Starts the price book on every listed market and the configured feed (PRICE_FEED). Newly
 * listed markets get followed too, and a feed that makes up prices (simulated) walks them from
 * their reference price at once.
 */
export async function startPrices(orm: MikroORM, book: PriceBook, listing: ListingEvents, logger: Logger): Promise<() => Promise<void>> {
  const listed = await marketsBySymbol(orm.em.fork());
  const feed = feedFromSettings(listed.filter((m) => m.status === 'active').map((m) => ({ ...feedMarketOf(m), category: m.category })));
  const stopFollowing = listing.follow(async (event) => {
    book.follow(event.symbol);
    if (event.status !== 'active' || !feed?.follow) return;
    try {
      const market = await findMarket(orm.em.fork(), event.symbol);
      if (market) feed.follow(feedMarketOf(market));
    } catch (error) {
      logger.warn({ err: error, market: event.symbol }, 'a newly listed market could not join the price feed');
    }
  });
  await book.start(
    listed.map((m) => m.symbol),
    feed,
  );
  return async () => {
    await stopFollowing();
    await book.stop();
  };
}

function feedMarketOf(market: MarketRecord): FeedMarket {
  return { symbol: market.symbol, tickSize: String(market.tickSize), referencePrice: String(market.referencePrice) };
}
