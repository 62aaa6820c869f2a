import { channel, type WireDate } from './channel';

/**
 * Matching → markets (prices, candles, tickers) and the gateway (`marketTrades`):
 * `matching.trades.<market>`, each executed trade once it is durable.
 */
export const tradesChannel = (market: string) => channel('matching', 'trades', market);

export interface TradeEvent {
  market: string;
  tradeId: string;
  price: string;
  quantity: string;
  takerSide: 'buy' | 'sell';
  at: WireDate;
}

/**
 * Matching's internal route for the same trades after a trade id, oldest first:
 * `GET /internal/trades?market=<symbol>&after=<trade id>&limit=<n>` → `TradeEvent[]` (dates as
 * ISO strings). Markets reads it at start and whenever its live feed may have a gap.
 */
export const TRADE_HISTORY_PATH = '/internal/trades';
export const TRADE_HISTORY_MAX_PAGE = 5000;

export function tradeHistoryQuery(market: string, after: bigint | string, limit: number): string {
  return `${TRADE_HISTORY_PATH}?market=${encodeURIComponent(market)}&after=${after}&limit=${limit}`;
}
