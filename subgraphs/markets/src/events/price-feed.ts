import { fromUnits, toUnits, type EventBus, type Logger } from '@tradegraph/shared';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MarketRecord } from '../store';
import { RandomWalk } from '../domain/random-walk';
import { priceChannel, type PriceEvent } from './channels';

/**
 * The embedded default feed: every interval each active market's random walk takes a step and
 * the price is published. PRICE_FEED=off turns it off (tests publish their own prices).
 */
export async function startSimulatedFeed(orm: MikroORM, bus: EventBus, logger: Logger): Promise<() => Promise<void>> {
  if ((process.env.PRICE_FEED ?? 'simulated') === 'off') return async () => {};
  const intervalMs = Number(process.env.PRICE_FEED_INTERVAL_MS ?? 1000);
  const seed = Number(process.env.PRICE_FEED_SEED ?? 42);
  const markets = await orm.em.fork().find(MarketRecord, { status: 'active' }, { orderBy: { symbol: 'asc' } });
  const walks = markets.map((market, index) => {
    const tick = toUnits(market.tickSize);
    return { market, tick, walk: new RandomWalk(seed + index, toUnits(market.referencePrice) / tick) };
  });
  const timer = setInterval(() => {
    const at = new Date().toISOString();
    for (const { market, tick, walk } of walks) {
      const event: PriceEvent = { market: market.symbol, price: fromUnits(walk.next() * tick), at };
      bus.publish(priceChannel(market.symbol), event).catch((error) => logger.warn({ error }, 'price publish failed'));
    }
  }, intervalMs);
  logger.info({ markets: walks.length, intervalMs, seed }, 'simulated price feed started');
  return async () => clearInterval(timer);
}
