import { DomainError, decimalPlaces, invalidInput, toUnits, tradingHoursProblem, type ListedMarket, type TradingHours } from '@tradegraph/shared/domain';

/** The catalog's rules: what a market is, when a new one may be listed, and how the listing contract carries it. */
export type MarketCategory = 'crypto' | 'forex' | 'indices' | 'commodities';
export type MarketStatus = 'active' | 'suspended';

/** A weekly session in UTC (shared/src/trading-hours.ts has its rules: isOpenAt, nextOpenAfter). */
export type { TradingHours };

/** A market as the catalog keeps it (the stored record has these fields and more). */
export interface CatalogMarket {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  category: MarketCategory;
  tickSize: string;
  lotSize: string;
  minNotional: string;
  status: MarketStatus;
  tradingHours?: TradingHours | null;
}

/** What an admin gives to list a market. */
export interface NewMarket {
  base: string;
  quote: string;
  category: MarketCategory;
  tickSize: string;
  lotSize: string;
  minNotional: string;
  referencePrice: string;
  tradingHours?: TradingHours | null;
}

/** The engine keeps 8 decimals per asset, so a market's tick × lot must fit in them. */
const ENGINE_DECIMALS = 8;

/** Checks a new market before anything is looked up or stored; each refusal names its field. */
export function validateMarket(input: NewMarket): void {
  for (const [field, value] of [
    ['base', input.base],
    ['quote', input.quote],
  ] as const) {
    if (!/^[A-Z0-9]{2,12}$/.test(value)) throw invalidInput(`${field} must be an asset symbol like BTC`, field);
  }
  if (input.base === input.quote) throw invalidInput('base and quote must differ', 'quote');
  const positive = (field: 'tickSize' | 'lotSize' | 'referencePrice') => {
    if (toUnits(input[field], field) <= 0n) throw invalidInput(`${field} must be more than 0`, field);
  };
  positive('tickSize');
  positive('lotSize');
  positive('referencePrice');
  if (toUnits(input.minNotional, 'minNotional') < 0n) throw invalidInput('minNotional must not be negative', 'minNotional');
  if (decimalPlaces(input.tickSize) + decimalPlaces(input.lotSize) > ENGINE_DECIMALS) {
    throw invalidInput(`tickSize × lotSize must have at most ${ENGINE_DECIMALS} decimal places`, 'lotSize');
  }
  if (toUnits(input.referencePrice) % toUnits(input.tickSize) !== 0n) throw invalidInput('referencePrice must be on the tick', 'referencePrice');
  const hours = input.tradingHours;
  if (hours) {
    const problem = tradingHoursProblem(hours);
    if (problem) throw invalidInput(problem, 'tradingHours');
  }
}

/**
 * A new market against its assets' precision (Asset.precision): a quantity step finer than the
 * base asset's decimals, or a minimum value finer than the quote's, would make orders in amounts
 * the exchange neither accepts nor shows.
 */
export function validateMarketPrecision(input: NewMarket, basePrecision: number, quotePrecision: number): void {
  if (decimalPlaces(input.lotSize) > basePrecision) {
    throw invalidInput(`lotSize has more than ${basePrecision} decimal places, the precision of ${input.base}`, 'lotSize');
  }
  if (decimalPlaces(input.minNotional) > quotePrecision) {
    throw invalidInput(`minNotional has more than ${quotePrecision} decimal places, the precision of ${input.quote}`, 'minNotional');
  }
}

/** `BASE-QUOTE`: stable, readable, and the key other subgraphs use. */
export const marketSymbol = (input: Pick<NewMarket, 'base' | 'quote'>) => `${input.base}-${input.quote}`;

/** The stored trading hours of a new market: its days in order. */
export function tradingHoursOf(input: NewMarket): TradingHours | null {
  const hours = input.tradingHours;
  return hours ? { days: [...hours.days].sort(), open: hours.open, close: hours.close } : null;
}

/** Refusals of a listing that clashes with the catalog. */
export const unknownAsset = (field: 'base' | 'quote', symbol: string) => invalidInput(`No asset ${symbol}`, field);
export const alreadyListed = (symbol: string) => new DomainError('CONFLICT', `Market ${symbol} is already listed`);
export const noMarket = (symbol: string) => new DomainError('NOT_FOUND', `No market ${symbol}`);

/** One market as the listing contract carries it (`markets.listing.changed`, `GET /listing`), with its assets' precision. */
export function listingOf(market: CatalogMarket, precision: ReadonlyMap<string, number>): ListedMarket {
  return {
    symbol: market.symbol,
    base: market.baseAsset,
    quote: market.quoteAsset,
    category: market.category,
    tickSize: trim(String(market.tickSize)),
    lotSize: trim(String(market.lotSize)),
    minNotional: trim(String(market.minNotional)),
    status: market.status,
    tradingHours: market.tradingHours ?? null,
    basePrecision: precision.get(market.baseAsset) ?? ENGINE_DECIMALS,
    quotePrecision: precision.get(market.quoteAsset) ?? ENGINE_DECIMALS,
  };
}

function trim(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
