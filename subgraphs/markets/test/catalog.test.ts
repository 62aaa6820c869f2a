import { Registry } from 'prom-client';
import { DomainError, createEventBus, createLogger } from '@tradegraph/shared';
import { listingOf, validateMarket, validateMarketPrecision, type NewMarket } from '../src/domain/catalog';
import { PriceBook } from '../src/app/price-book';
import { MemoryCache } from '../src/infra/price-cache';

const valid: NewMarket = {
  base: 'SOL',
  quote: 'USDC',
  category: 'crypto',
  tickSize: '0.01',
  lotSize: '0.001',
  minNotional: '5',
  referencePrice: '142.37',
};

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('listing a market', () => {
  it('accepts a well-formed market, with or without trading hours', () => {
    expect(() => validateMarket(valid)).not.toThrow();
    expect(() => validateMarket({ ...valid, tradingHours: { days: [1, 2, 3, 4, 5], open: '13:30', close: '20:00' } })).not.toThrow();
  });

  it('refuses each bad field as BAD_USER_INPUT naming it', () => {
    const cases: [Partial<NewMarket>, string, string][] = [
      [{ base: 'sol' }, 'base', 'base must be an asset symbol like BTC'],
      [{ quote: 'SOL' }, 'quote', 'base and quote must differ'],
      [{ tickSize: '0' }, 'tickSize', 'tickSize must be more than 0'],
      [{ lotSize: '-1' }, 'lotSize', 'lotSize must be more than 0'],
      [{ minNotional: '-0.1' }, 'minNotional', 'minNotional must not be negative'],
      [{ tickSize: '0.00001', lotSize: '0.0001' }, 'lotSize', 'tickSize × lotSize must have at most 8 decimal places'],
      [{ referencePrice: '142.375' }, 'referencePrice', 'referencePrice must be on the tick'],
      [
        { tradingHours: { days: [1, 1], open: '09:00', close: '17:00' } },
        'tradingHours',
        'tradingHours.days must be distinct weekdays 0–6 (0 = Sunday)',
      ],
      [
        { tradingHours: { days: [7], open: '09:00', close: '17:00' } },
        'tradingHours',
        'tradingHours.days must be distinct weekdays 0–6 (0 = Sunday)',
      ],
      [{ tradingHours: { days: [1], open: '9:00', close: '24:00' } }, 'tradingHours', 'tradingHours open/close must be HH:MM UTC'],
    ];
    for (const [change, field, message] of cases) {
      const error = refusal(() => validateMarket({ ...valid, ...change }));
      expect({ code: error.code, message: error.message, details: error.details }).toEqual({
        code: 'BAD_USER_INPUT',
        message,
        details: { field },
      });
    }
  });

  it("carries a market on the listing contract with decimals trimmed, its session and its assets' precision", () => {
    expect(
      listingOf(
        {
          symbol: 'SOL-USDC',
          baseAsset: 'SOL',
          quoteAsset: 'USDC',
          category: 'crypto',
          tickSize: '0.010000000000000000',
          lotSize: '1.000000000000000000',
          minNotional: '5.000000000000000000',
          status: 'suspended',
          tradingHours: { days: [1, 2], open: '09:00', close: '17:00' },
        },
        new Map([['USDC', 6]]),
      ),
    ).toEqual({
      symbol: 'SOL-USDC',
      base: 'SOL',
      quote: 'USDC',
      category: 'crypto',
      tickSize: '0.01',
      lotSize: '1',
      minNotional: '5',
      status: 'suspended',
      tradingHours: { days: [1, 2], open: '09:00', close: '17:00' },
      basePrecision: 8, // not in the map: the engine's 8
      quotePrecision: 6,
    });
  });

  it("refuses a market whose lot or minimum value is finer than its assets' precision", () => {
    const valid = {
      base: 'XAU',
      quote: 'USD',
      category: 'commodities' as const,
      tickSize: '0.01',
      lotSize: '0.001',
      minNotional: '10',
      referencePrice: '2400',
    };
    expect(() => validateMarketPrecision(valid, 3, 2)).not.toThrow();
    expect(refusal(() => validateMarketPrecision({ ...valid, lotSize: '0.0001' }, 3, 2)).details).toEqual({ field: 'lotSize' });
    expect(refusal(() => validateMarketPrecision({ ...valid, minNotional: '0.005' }, 3, 2)).details).toEqual({ field: 'minNotional' });
  });
});

describe('price book refusals', () => {
  const settings = { cacheTtlMs: 60_000, cacheWriteMs: 50, staleAfterMs: 30_000, tradeWindowMs: 3_600_000, persistMs: 1000 };
  const bookOver = (rows: { symbol: string; price: string | null; source: 'feed' | 'trade' | null; at: Date | null }[]) => {
    const orm = { em: { getConnection: () => ({ execute: async () => rows }) } };
    return new PriceBook(orm as never, createEventBus(undefined), new MemoryCache(), createLogger('markets'), settings, new Registry());
  };

  it('refuses more than 200 markets in one read, on the markets field', async () => {
    const markets = Array.from({ length: 201 }, (_, i) => `M${i}-USDT`);
    await expect(bookOver([]).get(markets)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'At most 200 markets per request',
      details: { field: 'markets' },
    });
  });

  it('answers NOT_FOUND listing the unknown markets, and null for a listed market without a price', async () => {
    const book = bookOver([{ symbol: 'BTC-USDT', price: null, source: null, at: null }]);
    await expect(book.get(['BTC-USDT', 'NOPE-USDT', 'ALSO-NOT'])).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No market NOPE-USDT, ALSO-NOT',
      details: { markets: ['NOPE-USDT', 'ALSO-NOT'] },
    });
    await expect(book.get(['BTC-USDT'])).resolves.toEqual([null]);
  });
});
