import { channel } from '@tradegraph/shared';
import type { Candle } from '../domain/candles';
import type { Ticker } from '../domain/tickers';

/** `markets.ticker.<market>`: the 24h ticker after every change (dates as ISO strings over Redis). */
export type TickerEvent = Omit<Ticker, 'windowStart' | 'at'> & { windowStart: string | Date; at: string | Date };
/** `markets.candle.<market>.<interval>`: a candle as it stands after every change. */
export type CandleEvent = Omit<Candle, 'openTime'> & { openTime: string | Date };

export const tickerChannel = (market: string) => channel('markets', 'ticker', market);
export const candleChannel = (market: string, interval: string) => channel('markets', 'candle', `${market}.${interval}`);

/** Where executed trades arrive from matching (its `matching.trades.<market>` channel). */
export const matchingTradesChannel = (market: string) => channel('matching', 'trades', market);
export interface MatchingTradeEvent {
  market: string;
  tradeId: string;
  price: string;
  quantity: string;
  at: string;
}
