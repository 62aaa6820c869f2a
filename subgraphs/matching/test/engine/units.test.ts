import fc from 'fast-check';
import {
  MAX_ORDER_NOTIONAL,
  amountToAtoms,
  atomsToAmount,
  lotsToQuantity,
  marketScale,
  mulBpsFloor,
  priceToTicks,
  quantityToLots,
  ticksToPrice,
  type MarketSpec,
} from '../../src/domain/engine';
import { Harness, eventsOf, simpleMarket } from './helpers';

const btcUsdt: MarketSpec = {
  id: 'BTC-USDT',
  base: 'BTC',
  quote: 'USDT',
  baseDecimals: 8,
  quoteDecimals: 8,
  tickSize: '0.01',
  lotSize: '0.00001',
  minNotional: '5',
  makerFeeBps: 10,
  takerFeeBps: 20,
};

describe('decimal strings at the edge', () => {
  test('prices convert to ticks and back; off-tick prices are refused', () => {
    expect(priceToTicks(btcUsdt, '65000.25')).toEqual({ ok: true, value: 6_500_025 });
    expect(priceToTicks(btcUsdt, '65000.2')).toEqual({ ok: true, value: 6_500_020 });
    expect(priceToTicks(btcUsdt, '65000.255')).toEqual({ ok: false, code: 'PRICE_NOT_ON_TICK' });
    expect(priceToTicks(btcUsdt, '0')).toEqual({ ok: false, code: 'PRICE_NOT_ON_TICK' });
    expect(priceToTicks(btcUsdt, 'abc')).toEqual({ ok: false, code: 'PRICE_NOT_ON_TICK' });
    expect(ticksToPrice(btcUsdt, 6_500_025)).toBe('65000.25');
    expect(ticksToPrice(btcUsdt, 5)).toBe('0.05');
    expect(priceToTicks({ tickSize: '0.5' }, '10.5')).toEqual({ ok: true, value: 21 });
    expect(priceToTicks({ tickSize: '0.5' }, '10.25')).toEqual({ ok: false, code: 'PRICE_NOT_ON_TICK' });
  });

  test('quantities convert to lots and back; off-lot quantities are refused', () => {
    expect(quantityToLots(btcUsdt, '0.015')).toEqual({ ok: true, value: 1500 });
    expect(quantityToLots(btcUsdt, '0.000015')).toEqual({ ok: false, code: 'QTY_NOT_ON_LOT' });
    expect(lotsToQuantity(btcUsdt, 1500)).toBe('0.01500');
  });

  test('amounts convert to atoms, signed', () => {
    expect(amountToAtoms(6, '12.5')).toEqual({ ok: true, value: 12_500_000 });
    expect(amountToAtoms(6, '-0.000001')).toEqual({ ok: true, value: -1 });
    expect(amountToAtoms(6, '0.0000001')).toEqual({ ok: false, code: 'INVALID_AMOUNT' });
    expect(atomsToAmount(6, -1)).toBe('-0.000001');
    expect(atomsToAmount(2, 123456)).toBe('1234.56');
  });

  test('round trips are exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (ticks) => {
        const text = ticksToPrice(btcUsdt, ticks);
        expect(priceToTicks(btcUsdt, text)).toEqual({ ok: true, value: ticks });
      }),
    );
  });

  test('market scale: integer factors derived from the decimal spec', () => {
    // 0.01 USDT × 0.00001 BTC = 1e-7 USDT = 10 atoms of an 8-decimal USDT.
    expect(marketScale(btcUsdt)).toEqual({ baseAtomsPerLot: 1000, quoteAtomsPerTickLot: 10, minNotionalAtoms: 500_000_000 });
    // With a 6-decimal quote the product is below one atom: not representable, refused.
    expect(marketScale({ ...btcUsdt, quoteDecimals: 6 })).toBeUndefined();
  });
});

describe('numeric limits: no overflow, no precision loss', () => {
  test('mulBpsFloor is exact up to MAX_SAFE_INTEGER', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 10_000 }), (value, bps) => {
        expect(BigInt(mulBpsFloor(value, bps))).toBe((BigInt(value) * BigInt(bps)) / 10_000n);
      }),
      { numRuns: 2_000 },
    );
    // The naive product would lose precision here.
    const value = Number.MAX_SAFE_INTEGER;
    expect(Number.isSafeInteger(value * 9_999)).toBe(false);
    expect(mulBpsFloor(value, 9_999)).toBe(Number((BigInt(value) * 9_999n) / 10_000n));
  });

  test('AddMarket refuses limits whose price × quantity could exceed the notional bound', () => {
    const h = new Harness({}, null);
    const r = h.run({ type: 'AddMarket', spec: simpleMarket({ maxPriceTicks: 2 ** 26, maxQuantityLots: 2 ** 26 }) });
    expect(r.code).toBe('INVALID_MARKET'); // 2^52 > MAX_ORDER_NOTIONAL = 2^52 - 1
    expect(h.run({ type: 'AddMarket', spec: simpleMarket({ maxPriceTicks: 2 ** 26, maxQuantityLots: 2 ** 26 - 1 }) }).code).toBe('OK');
  });

  test('the largest allowed order, at 100% fees, settles exactly (checked against bigint)', () => {
    const maxPrice = 2 ** 26;
    const maxQty = Math.floor(MAX_ORDER_NOTIONAL / maxPrice); // 2^26 - 1
    const spec = simpleMarket({ maxPriceTicks: maxPrice, maxQuantityLots: maxQty, makerFeeBps: 10_000, takerFeeBps: 10_000 });
    const h = new Harness({}, spec);
    const notional = BigInt(maxPrice) * BigInt(maxQty);
    expect(notional <= BigInt(MAX_ORDER_NOTIONAL)).toBe(true);
    const buyerNeeds = notional * 2n; // notional + 100% fee
    expect(buyerNeeds <= BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);

    h.fund('buyer', 'USD', Number(buyerNeeds));
    h.fund('seller', 'BTC', maxQty);
    h.placed({ user: 'seller', side: 'sell', orderType: 'limit', price: maxPrice, quantity: maxQty });
    expect(h.place({ user: 'buyer', side: 'buy', orderType: 'limit', price: maxPrice + 1, quantity: 1 }).code).toBe('PRICE_OUT_OF_RANGE');
    expect(h.place({ user: 'buyer', side: 'buy', orderType: 'limit', price: maxPrice, quantity: maxQty + 1 }).code).toBe('QTY_OUT_OF_RANGE');
    const r = h.place({ user: 'buyer', side: 'buy', orderType: 'limit', price: maxPrice, quantity: maxQty });
    const trade = eventsOf(r, 'Trade')[0];
    expect(BigInt(trade.takerFee)).toBe(notional);
    expect(BigInt(trade.makerFee)).toBe(notional);
    expect(h.balance('buyer', 'USD')).toEqual({ available: 0, locked: 0 });
    expect(h.balance('buyer', 'BTC')).toEqual({ available: maxQty, locked: 0 });
    expect(h.balance('seller', 'USD')).toEqual({ available: 0, locked: 0 }); // notional - 100% fee
    expect(BigInt(h.engine.feesCollected('USD'))).toBe(notional * 2n);
  });

  test('total supply of an asset is capped at MAX_SAFE_INTEGER, so no balance or sum of balances can exceed it', () => {
    const h = new Harness({}, null);
    h.ok({ type: 'AdjustBalance', user: 'a', asset: 'X', amount: Number.MAX_SAFE_INTEGER - 1, idempotencyKey: 'a' });
    h.ok({ type: 'AdjustBalance', user: 'b', asset: 'X', amount: 1, idempotencyKey: 'b' });
    expect(h.run({ type: 'AdjustBalance', user: 'c', asset: 'X', amount: 1, idempotencyKey: 'c' }).code).toBe('BALANCE_LIMIT_EXCEEDED');
  });

  test('default limits of a real-looking market fit the bound', () => {
    const h = new Harness({}, null);
    h.ok({ type: 'AddMarket', spec: btcUsdt });
    const spec = h.engine.snapshot().markets[0].spec;
    expect(spec.maxPriceTicks).toBeUndefined(); // defaults are derived, not written back
    const r = h.run({ type: 'PlaceOrder', market: 'BTC-USDT', user: 'x', side: 'buy', orderType: 'limit', price: 2 ** 26 + 1, quantity: 1 });
    expect(r.code).toBe('PRICE_OUT_OF_RANGE');
  });
});
