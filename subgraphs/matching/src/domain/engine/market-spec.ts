import { Rejection } from './base';
import type { BookSideFactory } from './book';
import { MAX_FEE_BPS, MAX_ORDER_NOTIONAL, MAX_SAFE, isPositiveInteger } from './limits';
import { FeeAccount, MarketState, type Order } from './market';
import type { MarketSpec } from './types';
import { marketScale } from './units';

const DAY_MS = 86_400_000;
/** Default split of the notional budget between price and quantity, see defaultLimits(). */
const DEFAULT_MAX_PRICE_TICKS = 2 ** 26;

/** Validates a spec, derives its integer limits (see limits.ts) and builds the market. */
export function buildMarket(
  spec: MarketSpec,
  known: { assetDecimals: ReadonlyMap<string, number>; feeAccounts: Map<string, FeeAccount>; bookSide: BookSideFactory<Order> },
): MarketState {
  const invalid = () => new Rejection('INVALID_MARKET');
  if (
    typeof spec.base !== 'string' ||
    typeof spec.quote !== 'string' ||
    spec.base === '' ||
    spec.quote === '' ||
    spec.base === spec.quote
  )
    throw invalid();
  for (const decimals of [spec.baseDecimals, spec.quoteDecimals]) {
    if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 30) throw invalid();
  }
  for (const bps of [spec.makerFeeBps, spec.takerFeeBps]) {
    if (!Number.isSafeInteger(bps) || bps < 0 || bps > MAX_FEE_BPS) throw invalid();
  }
  const knownBase = known.assetDecimals.get(spec.base);
  const knownQuote = known.assetDecimals.get(spec.quote);
  if ((knownBase !== undefined && knownBase !== spec.baseDecimals) || (knownQuote !== undefined && knownQuote !== spec.quoteDecimals))
    throw invalid();
  const scale = marketScale(spec);
  if (!scale) throw invalid();
  const sessionCloseMs = spec.sessionCloseMs ?? 0;
  if (!Number.isSafeInteger(sessionCloseMs) || sessionCloseMs < 0 || sessionCloseMs >= DAY_MS) throw invalid();

  const limits = defaultLimits(spec, scale.quoteAtomsPerTickLot, scale.baseAtomsPerLot);
  const maxPrice = spec.maxPriceTicks ?? limits.maxPriceTicks;
  const maxQuantity = spec.maxQuantityLots ?? limits.maxQuantityLots;
  if (!isPositiveInteger(maxPrice) || !isPositiveInteger(maxQuantity)) throw invalid();
  // Checked in bigint: this is the proof obligation that keeps all later arithmetic exact.
  if (BigInt(maxPrice) * BigInt(maxQuantity) * BigInt(scale.quoteAtomsPerTickLot) > BigInt(MAX_ORDER_NOTIONAL)) throw invalid();
  if (BigInt(maxQuantity) * BigInt(scale.baseAtomsPerLot) > BigInt(MAX_SAFE)) throw invalid();

  let fees = known.feeAccounts.get(spec.quote);
  if (!fees) known.feeAccounts.set(spec.quote, (fees = new FeeAccount(spec.quote)));
  return new MarketState(spec, scale, maxPrice, maxQuantity, sessionCloseMs, fees, known.bookSide);
}

/** The first session close strictly after `ts`. */
export function nextSessionClose(ts: number, sessionCloseMs: number): number {
  return sessionCloseMs + (Math.floor((ts - sessionCloseMs) / DAY_MS) + 1) * DAY_MS;
}

/**
 * Default price/quantity limits when a spec gives none: the price range up to 2^26 ticks
 * (about 67 million) unless that leaves no room for quantity, the quantity range whatever
 * the notional budget leaves. A spec may set either explicitly, within the same budget.
 */
function defaultLimits(spec: MarketSpec, quoteAtomsPerTickLot: number, baseAtomsPerLot: number) {
  const budget = Math.floor(MAX_ORDER_NOTIONAL / quoteAtomsPerTickLot);
  const maxPriceTicks = spec.maxPriceTicks ?? Math.max(1, Math.min(DEFAULT_MAX_PRICE_TICKS, Math.floor(Math.sqrt(budget))));
  const maxQuantityLots = Math.min(Math.floor(budget / maxPriceTicks), Math.floor(MAX_SAFE / baseAtomsPerLot));
  return { maxPriceTicks, maxQuantityLots };
}
