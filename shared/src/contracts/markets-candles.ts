import { channel, type WireDate } from './channel';

/** Markets → gateway (subscriptions): `markets.ticker.<market>`, the 24-hour ticker after every change. */
export const tickerChannel = (market: string) => channel('markets', 'ticker', market);

/** Markets → gateway (subscriptions): `markets.candle.<market>.<interval>`, a candle as it stands after every change. */
export const candleChannel = (market: string, interval: string) => channel('markets', 'candle', `${market}.${interval}`);

export const CANDLE_INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export interface TickerEvent {
  market: string;
  open: string;
  high: string;
  low: string;
  last: string;
  volume: string;
  quoteVolume: string;
  change: string;
  changePercent: string;
  trades: number;
  windowStart: WireDate;
  at: WireDate;
  source: 'trades' | 'feed';
}

export interface CandleEvent {
  market: string;
  interval: CandleInterval;
  openTime: WireDate;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  trades: number;
}
