import { DomainError } from '@tradegraph/shared/domain';
import { checkAlertLimit, firesAt, validateAlert } from '../src/domain/alerts';
import { PriceAlerts } from '../src/app/price-alerts';

/** The refusal `run` throws, as a client would see its code and extensions. */
function refusal(run: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const { code, message, details } = error as DomainError;
    return { code, message, details };
  }
  throw new Error('expected a refusal');
}

describe('price alert rules', () => {
  it('accepts a listed-looking market and a positive price', () => {
    expect(() => validateAlert('BTC-USDT', '65000.5')).not.toThrow();
    expect(() => validateAlert('XAU-USD', '0.000000000000000001')).not.toThrow();
  });

  it('refuses a malformed market symbol, naming the field', () => {
    for (const market of ['btc-usdt', 'BTCUSDT', 'B-USDT', 'BTC-', 'BTC-USDT-X', 'ABCDEFGHIJKLM-USDT']) {
      expect(refusal(() => validateAlert(market, '1'))).toEqual({
        code: 'BAD_USER_INPUT',
        message: 'market must look like BTC-USDT',
        details: { field: 'market' },
      });
    }
  });

  it('refuses a price that is zero, negative or not a decimal', () => {
    expect(refusal(() => validateAlert('BTC-USDT', '0'))).toEqual({ code: 'BAD_USER_INPUT', message: 'price must be positive', details: { field: 'price' } });
    expect(refusal(() => validateAlert('BTC-USDT', '-1')).details).toEqual({ field: 'price' });
    expect(refusal(() => validateAlert('BTC-USDT', '1e5'))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'price' } });
    expect(refusal(() => validateAlert('BTC-USDT', '0.0000000000000000001'))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'price' } });
  });

  it('refuses the alert that would go over the per-user limit, telling the limit', () => {
    expect(() => checkAlertLimit(0, 1)).not.toThrow();
    expect(() => checkAlertLimit(99, 100)).not.toThrow();
    expect(refusal(() => checkAlertLimit(100, 100))).toEqual({
      code: 'LIMIT_EXCEEDED',
      message: 'At most 100 active price alerts per user',
      details: { max: 100 },
    });
    expect(refusal(() => checkAlertLimit(7, 3)).details).toEqual({ max: 3 });
  });

  it('fires an above alert at or over its price and a below alert at or under it, exactly', () => {
    const above = { condition: 'above' as const, price: '100.1', status: 'active' as const };
    const below = { condition: 'below' as const, price: '100.1', status: 'active' as const };
    expect(firesAt(above, '100.09999999999999999')).toBe(false);
    expect(firesAt(above, '100.1')).toBe(true);
    expect(firesAt(above, '100.100000000000000001')).toBe(true);
    expect(firesAt(below, '100.100000000000000001')).toBe(false);
    expect(firesAt(below, '100.10')).toBe(true);
    expect(firesAt(below, '3')).toBe(true);
  });

  it('never fires an alert that is no longer active', () => {
    expect(firesAt({ condition: 'above', price: '1', status: 'triggered' }, '2')).toBe(false);
    expect(firesAt({ condition: 'below', price: '1', status: 'cancelled' }, '0.5')).toBe(false);
  });
});

describe('creating a price alert', () => {
  const em = {} as never;

  it('checks the input before asking markets, and refuses an unlisted market with BAD_USER_INPUT on market', async () => {
    const asked: string[] = [];
    const alerts = new PriceAlerts({ has: async (symbol) => (asked.push(symbol), false) }, 100);
    await expect(alerts.create(em, 'u1', { market: 'nope', condition: 'above', price: '1' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'market' },
    });
    expect(asked).toEqual([]);
    await expect(alerts.create(em, 'u1', { market: 'DOGE-USDT', condition: 'above', price: '1' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'DOGE-USDT is not a listed market',
      details: { field: 'market' },
    });
    expect(asked).toEqual(['DOGE-USDT']);
  });

  it('passes on that markets could not be checked (UNAVAILABLE) rather than storing an unchecked alert', async () => {
    const unavailable = new DomainError('UNAVAILABLE', 'Markets could not be checked just now; try again');
    const alerts = new PriceAlerts({ has: async () => Promise.reject(unavailable) }, 100);
    await expect(alerts.create(em, 'u1', { market: 'BTC-USDT', condition: 'below', price: '2' })).rejects.toBe(unavailable);
  });
});
