import { BinanceFeed, binanceSymbols } from './binance';
import { ReplayFeed } from './replay';
import { SimulatedFeed } from './simulated';
import { PRICE_FEEDS, type FeedMarket, type PriceFeed, type PriceFeedKind } from '../../domain/price-feed';

export * from '../../domain/price-feed';
export * from './binance';
export * from './replay';
export * from './simulated';

/** The feed PRICE_FEED names (default simulated), configured from the environment; null for `off`. */
export function feedFromEnv(markets: (FeedMarket & { category: string })[], env = process.env): PriceFeed | null {
  const kind = (env.PRICE_FEED ?? 'simulated') as PriceFeedKind;
  if (!PRICE_FEEDS.includes(kind)) throw new Error(`PRICE_FEED must be one of ${PRICE_FEEDS.join(', ')}`);
  switch (kind) {
    case 'off':
      return null;
    case 'simulated':
      return new SimulatedFeed(markets, { intervalMs: Number(env.PRICE_FEED_INTERVAL_MS ?? 1000), seed: Number(env.PRICE_FEED_SEED ?? 42) });
    case 'replay': {
      const file = env.PRICE_REPLAY_FILE;
      if (!file) throw new Error('PRICE_FEED=replay needs PRICE_REPLAY_FILE (CSV at,market,price)');
      return new ReplayFeed(file, {
        speed: Number(env.PRICE_REPLAY_SPEED ?? 1),
        loop: (env.PRICE_REPLAY_LOOP ?? 'off') === 'on',
        keepRecordedTime: (env.PRICE_REPLAY_TIME ?? 'now') === 'recorded',
      });
    }
    case 'binance': {
      const crypto = markets.filter((m) => m.category === 'crypto').map((m) => m.symbol);
      const named = env.BINANCE_MARKETS ? env.BINANCE_MARKETS.split(',').map((s) => s.trim()) : crypto;
      return new BinanceFeed({
        baseUrl: env.BINANCE_WS_URL ?? 'wss://stream.binance.com:9443',
        symbols: binanceSymbols(named, env.BINANCE_SYMBOLS),
        stream: env.BINANCE_STREAM === 'miniTicker' ? 'miniTicker' : 'trade',
        reconnectMinMs: Number(env.BINANCE_RECONNECT_MIN_MS ?? 500),
        reconnectMaxMs: Number(env.BINANCE_RECONNECT_MAX_MS ?? 30_000),
      });
    }
  }
}
