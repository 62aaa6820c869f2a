/**
 * Last prices. A market's last price comes from the exchange's own fills when it trades, and
 * from the reference feed otherwise: a feed tick does not replace a trade price younger than
 * the trade window. A price is stale when its observation is older than the stale limit — the
 * feed stopped ticking (or nobody traded) — and is flagged, never passed off as current.
 */
export type PriceSource = 'feed' | 'trade';

export interface PriceObservation {
  market: string;
  /** Decimal string. */
  price: string;
  source: PriceSource;
  /** ISO-8601 UTC. */
  at: string;
}

export interface PriceQuote extends PriceObservation {
  stale: boolean;
}

export interface PricePolicy {
  /** A feed tick does not replace a trade price younger than this. */
  tradeWindowMs: number;
  /** A price older than this is stale. */
  staleAfterMs: number;
}

export function replaces(current: PriceObservation | undefined, incoming: PriceObservation, policy: PricePolicy): boolean {
  if (!current || incoming.source === 'trade') return true;
  if (current.source === 'feed') return true;
  return Date.parse(incoming.at) - Date.parse(current.at) > policy.tradeWindowMs;
}

export function isStale(observation: PriceObservation, now: number, policy: PricePolicy): boolean {
  return now - Date.parse(observation.at) > policy.staleAfterMs;
}

export function quoteOf(observation: PriceObservation, now: number, policy: PricePolicy): PriceQuote {
  return { ...observation, stale: isStale(observation, now, policy) };
}
