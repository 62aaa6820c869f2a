import { DomainError, invalidInput, toUnits, type ListedMarket } from '@tradegraph/shared/domain';

/** The catalog's rules: what a market is, when a new one may be listed, and how the listing contract carries it. */
export type MarketCategory = 'crypto' | 'forex' | 'indices' | 'commodities';
export type MarketStatus = 'active' | 'suspended';

/** A weekly session in UTC: opens at `open` on each of `days` (0 = Sunday) and runs until the next `close`. */
export interface TradingHours {
  days: number[];
  open: string;
  close: string;
}

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

function decimalPlaces(value: string): number {
  const fraction = value.split('.')[1] ?? '';
  return fraction.replace(/0+$/, '').length;
}

/** The engine keeps 8 decimals per asset, so a market's tick × lot must fit in them. */
const ENGINE_DECIMALS = 8;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

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
    if (
      hours.days.length === 0 ||
      hours.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6) ||
      new Set(hours.days).size !== hours.days.length
    ) {
      throw invalidInput('tradingHours.days must be distinct weekdays 0–6 (0 = Sunday)', 'tradingHours');
    }
    if (!TIME.test(hours.open) || !TIME.test(hours.close)) throw invalidInput('tradingHours open/close must be HH:MM UTC', 'tradingHours');
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

/** One market as the listing contract carries it (`markets.listing.changed`, `GET /listing`). */
export function listingOf(market: CatalogMarket): ListedMarket {
  return {
    symbol: market.symbol,
    base: market.baseAsset,
    quote: market.quoteAsset,
    category: market.category,
    tickSize: trim(String(market.tickSize)),
    lotSize: trim(String(market.lotSize)),
    minNotional: trim(String(market.minNotional)),
    status: market.status,
  };
}

function trim(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
