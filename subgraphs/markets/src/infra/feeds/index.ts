import { BinanceFeed, binanceSymbols } from './binance';
import { ReplayFeed } from './replay';
import { SimulatedFeed } from './simulated';
import { config, type Config } from '@tradegraph/shared';
import type { FeedMarket, PriceFeed } from '../../domain/price-feed';

export * from '../../domain/price-feed';
export * from './binance';
export * from './replay';
export * from './simulated';

/** The feed PRICE_FEED names (default simulated), configured from the configuration; null for `off`. */
export function feedFromSettings(markets: (FeedMarket & { category: string })[], settings: Config = config()): PriceFeed | null {
  switch (settings.PRICE_FEED) {
    case 'off':
      return null;
    case 'simulated':
      return new SimulatedFeed(markets, { intervalMs: settings.PRICE_FEED_INTERVAL_MS, seed: settings.PRICE_FEED_SEED });
    case 'replay': {
      const file = settings.PRICE_REPLAY_FILE;
      if (!file) throw new Error('PRICE_FEED=replay needs PRICE_REPLAY_FILE (CSV at,market,price)');
      return new ReplayFeed(file, {
        speed: settings.PRICE_REPLAY_SPEED,
        loop: settings.PRICE_REPLAY_LOOP === 'on',
        keepRecordedTime: settings.PRICE_REPLAY_TIME === 'recorded',
      });
    }
    case 'binance': {
      const crypto = markets.filter((m) => m.category === 'crypto').map((m) => m.symbol);
      const named = settings.BINANCE_MARKETS ? settings.BINANCE_MARKETS.split(',').map((s) => s.trim()) : crypto;
      return new BinanceFeed({
        baseUrl: settings.BINANCE_WS_URL,
        symbols: binanceSymbols(named, settings.BINANCE_SYMBOLS),
        stream: settings.BINANCE_STREAM,
        reconnectMinMs: settings.BINANCE_RECONNECT_MIN_MS,
        reconnectMaxMs: settings.BINANCE_RECONNECT_MAX_MS,
      });
    }
  }
}
