import { DomainError } from '@tradegraph/shared/domain';
import {
  checkAlertId,
  checkAlertLimit,
  checkAlertRequest,
  checkCancellable,
  firesAt,
  validateAlert,
  type AlertRequest,
} from '../src/domain/alerts';
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
    expect(refusal(() => validateAlert('BTC-USDT', '0'))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'price must be positive',
      details: { field: 'price' },
    });
    expect(refusal(() => validateAlert('BTC-USDT', '-1')).details).toEqual({ field: 'price' });
    expect(refusal(() => validateAlert('BTC-USDT', '1e5'))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'price' } });
    expect(refusal(() => validateAlert('BTC-USDT', '0.0000000000000000001'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'price' },
    });
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
    const above = { kind: 'ABOVE' as const, threshold: '100.1', status: 'active' as const };
    const below = { kind: 'BELOW' as const, threshold: '100.1', status: 'active' as const };
    expect(firesAt(above, '100.09999999999999999')).toBe(false);
    expect(firesAt(above, '100.1')).toBe(true);
    expect(firesAt(above, '100.100000000000000001')).toBe(true);
    expect(firesAt(below, '100.100000000000000001')).toBe(false);
    expect(firesAt(below, '100.10')).toBe(true);
    expect(firesAt(below, '3')).toBe(true);
  });

  it('never fires an alert that is no longer active', () => {
    expect(firesAt({ kind: 'ABOVE', threshold: '1', status: 'triggered' }, '2')).toBe(false);
    expect(firesAt({ kind: 'BELOW', threshold: '1', status: 'cancelled' }, '0.5')).toBe(false);
    expect(firesAt({ kind: 'ABOVE', threshold: '1', status: 'expired' }, '2')).toBe(false);
  });
});

describe('creating a price alert', () => {
  const em = {} as never;

  it('checks the input before asking markets, and refuses an unlisted market with BAD_USER_INPUT on market', async () => {
    const asked: string[] = [];
    const alerts = new PriceAlerts({ has: async (symbol) => (asked.push(symbol), false) }, 100);
    await expect(alerts.createSimple(em, 'u1', { market: 'nope', condition: 'above', price: '1' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'market' },
    });
    expect(asked).toEqual([]);
    await expect(alerts.createSimple(em, 'u1', { market: 'DOGE-USDT', condition: 'above', price: '1' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'DOGE-USDT is not a listed market',
      details: { field: 'market' },
    });
    expect(asked).toEqual(['DOGE-USDT']);
  });

  it('passes on that markets could not be checked (UNAVAILABLE) rather than storing an unchecked alert', async () => {
    const unavailable = new DomainError('UNAVAILABLE', 'Markets could not be checked just now; try again');
    const alerts = new PriceAlerts({ has: async () => Promise.reject(unavailable) }, 100);
    await expect(alerts.createSimple(em, 'u1', { market: 'BTC-USDT', condition: 'below', price: '2' })).rejects.toBe(unavailable);
  });
});

describe('checking an alert request of any kind', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  const check = (request: Partial<AlertRequest>) =>
    checkAlertRequest({ market: 'BTC-USDT', kind: 'ABOVE', ...request } as AlertRequest, now);

  it('takes ABOVE and BELOW with a threshold, CHANGE_PERCENT with a signed percent and a window', () => {
    expect(check({ kind: 'ABOVE', threshold: '70000' })).toEqual({
      market: 'BTC-USDT',
      kind: 'ABOVE',
      threshold: '70000',
      percent: null,
      window: null,
      repeat: false,
      cooldownSeconds: null,
      expiresAt: null,
    });
    expect(check({ kind: 'BELOW', threshold: '0.5' }).threshold).toBe('0.5');
    expect(check({ kind: 'CHANGE_PERCENT', percent: '-5', window: '1h' })).toMatchObject({ percent: '-5', window: '1h', threshold: null });
    expect(check({ kind: 'CHANGE_PERCENT', percent: '2.5', window: '5m' })).toMatchObject({ percent: '2.5', window: '5m' });
  });

  it('defaults the cool-down of a repeating alert and keeps a future expiry', () => {
    const expiresAt = new Date('2026-12-08T12:00:00Z');
    expect(check({ threshold: '1', repeat: true, expiresAt })).toMatchObject({ repeat: true, cooldownSeconds: 300, expiresAt });
    expect(check({ threshold: '1', repeat: true, cooldownSeconds: 5 }).cooldownSeconds).toBe(5);
  });

  it.each([
    [{ kind: 'ABOVE' }, 'threshold'],
    [{ kind: 'ABOVE', threshold: '0' }, 'threshold'],
    [{ kind: 'BELOW', threshold: '-1' }, 'threshold'],
    [{ kind: 'ABOVE', threshold: '1e5' }, 'threshold'],
    [{ kind: 'ABOVE', threshold: '123456789012345678901' }, 'threshold'],
    [{ kind: 'ABOVE', threshold: '1', percent: '5' }, 'percent'],
    [{ kind: 'BELOW', threshold: '1', window: '1h' }, 'window'],
    [{ kind: 'CHANGE_PERCENT', window: '1h' }, 'percent'],
    [{ kind: 'CHANGE_PERCENT', percent: '0', window: '1h' }, 'percent'],
    [{ kind: 'CHANGE_PERCENT', percent: '-100', window: '1h' }, 'percent'],
    [{ kind: 'CHANGE_PERCENT', percent: '100001', window: '1h' }, 'percent'],
    [{ kind: 'CHANGE_PERCENT', percent: '5' }, 'window'],
    [{ kind: 'CHANGE_PERCENT', percent: '5', window: '2h' }, 'window'],
    [{ kind: 'CHANGE_PERCENT', percent: '5', window: '1h', threshold: '3' }, 'threshold'],
    [{ kind: 'SIDEWAYS', threshold: '1' }, 'kind'],
    [{ threshold: '1', cooldownSeconds: 10 }, 'cooldownSeconds'],
    [{ threshold: '1', repeat: true, cooldownSeconds: 0 }, 'cooldownSeconds'],
    [{ threshold: '1', repeat: true, cooldownSeconds: 1.5 }, 'cooldownSeconds'],
    [{ threshold: '1', expiresAt: new Date('2026-12-07T11:59:59Z') }, 'expiresAt'],
    [{ threshold: '1', expiresAt: new Date('2028-12-07T12:00:00Z') }, 'expiresAt'],
    [{ market: 'btc', threshold: '1' }, 'market'],
  ] as [Partial<AlertRequest>, string][])('refuses %j on %s', (request, field) => {
    expect(refusal(() => check(request))).toMatchObject({ code: 'BAD_USER_INPUT', details: { field } });
  });

  it('refuses to cancel an alert that is not active, and an id that is not a UUID is NOT_FOUND', () => {
    expect(() => checkCancellable('active')).not.toThrow();
    expect(refusal(() => checkCancellable('triggered'))).toMatchObject({ code: 'CONFLICT', details: { status: 'triggered' } });
    expect(refusal(() => checkAlertId('1; drop table'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(() => checkAlertId('7c9e6679-7425-40de-944b-e07fc1f90ae7')).not.toThrow();
  });
});
