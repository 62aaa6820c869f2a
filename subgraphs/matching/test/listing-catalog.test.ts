import { ListingCatalog } from '../src/app/listing-catalog';

const listed = {
  symbol: 'SPX-USD',
  base: 'SPX',
  quote: 'USD',
  category: 'indices',
  tickSize: '0.01',
  lotSize: '0.01',
  minNotional: '10',
  status: 'active' as const,
  tradingHours: { days: [1, 2, 3, 4, 5], open: '13:30', close: '20:00' },
  basePrecision: 2,
  quotePrecision: 2,
};

describe('the listing as matching keeps it (sessions and precision)', () => {
  it('refuses orders outside the session with MARKET_CLOSED and the next opening; a market without hours is always open', () => {
    const catalog = new ListingCatalog();
    catalog.note(listed);
    catalog.note({ ...listed, symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', tradingHours: null, basePrecision: 8, quotePrecision: 6 });
    const mondayNight = Date.parse('2026-12-07T03:32:00Z');
    expect(() => catalog.requireOpen('SPX-USD', mondayNight)).toThrow(
      expect.objectContaining({ code: 'MARKET_CLOSED', details: { nextOpen: '2026-12-07T13:30:00.000Z' } }),
    );
    expect(() => catalog.requireOpen('SPX-USD', Date.parse('2026-12-07T14:00:00Z'))).not.toThrow();
    expect(() => catalog.requireOpen('BTC-USDT', mondayNight)).not.toThrow();
    expect(() => catalog.requireOpen('NEVER-HEARD', mondayNight)).not.toThrow(); // the engine answers UNKNOWN_MARKET
    // A listing change that drops the session opens the market.
    catalog.note({ ...listed, tradingHours: null });
    expect(() => catalog.requireOpen('SPX-USD', mondayNight)).not.toThrow();
  });

  it("knows each asset's precision from the listing (8 when unknown), refuses finer amounts and shows amounts cut to it", () => {
    const catalog = new ListingCatalog();
    catalog.note({ ...listed, symbol: 'BTC-USDT', base: 'BTC', quote: 'USDT', tradingHours: null, basePrecision: 8, quotePrecision: 6 });
    expect(catalog.precisionOf('USDT')).toBe(6);
    expect(catalog.precisionOf('DOGE')).toBe(8);
    expect(catalog.shown('USDT', '34.86998998')).toBe('34.869989');
    expect(catalog.shown('BTC', '0.00000001')).toBe('0.00000001');
    expect(() => catalog.requirePrecision('USDT', '1.0000001', 'amount')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'amount' } }),
    );
    expect(() => catalog.requirePrecision('USDT', '1.000001', 'amount')).not.toThrow();
  });
});
