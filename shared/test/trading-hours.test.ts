import { cutToPrecision, decimalPlaces, isOpenAt, nextOpenAfter, requirePrecision, tradingHoursProblem } from '../src';

// 2026-12-07 is a Monday. Times are UTC.
const at = (iso: string) => Date.parse(`${iso}Z`);
const next = (hours: Parameters<typeof nextOpenAfter>[0], iso: string) => {
  const value = nextOpenAfter(hours, at(iso));
  return value === null ? null : new Date(value).toISOString();
};

describe('trading hours', () => {
  const spx = { days: [1, 2, 3, 4, 5], open: '13:30', close: '20:00' };

  it('a weekday session: open from the opening minute until the closing minute, closed at weekends', () => {
    expect(isOpenAt(spx, at('2026-12-07T03:32:00'))).toBe(false); // the Monday 03:32 of the issue
    expect(next(spx, '2026-12-07T03:32:00')).toBe('2026-12-07T13:30:00.000Z');
    expect(isOpenAt(spx, at('2026-12-07T13:29:59.999'))).toBe(false);
    expect(isOpenAt(spx, at('2026-12-07T13:30:00'))).toBe(true);
    expect(isOpenAt(spx, at('2026-12-07T19:59:59.999'))).toBe(true);
    expect(isOpenAt(spx, at('2026-12-07T20:00:00'))).toBe(false);
    // While open: the opening after this session.
    expect(next(spx, '2026-12-07T15:00:00')).toBe('2026-12-08T13:30:00.000Z');
    // Friday evening, Saturday, Sunday: Monday's opening.
    expect(next(spx, '2026-12-11T20:00:00')).toBe('2026-12-14T13:30:00.000Z');
    expect(isOpenAt(spx, at('2026-12-12T15:00:00'))).toBe(false);
    expect(next(spx, '2026-12-12T15:00:00')).toBe('2026-12-14T13:30:00.000Z');
    expect(isOpenAt(spx, at('2026-12-13T15:00:00'))).toBe(false);
    expect(next(spx, '2026-12-13T23:59:00')).toBe('2026-12-14T13:30:00.000Z');
  });

  it('a session crossing midnight UTC runs into the next day, also from Friday into Saturday and across the week boundary', () => {
    const night = { days: [1, 2, 3, 4, 5], open: '22:00', close: '02:00' };
    expect(isOpenAt(night, at('2026-12-07T21:59:00'))).toBe(false);
    expect(isOpenAt(night, at('2026-12-07T23:00:00'))).toBe(true);
    expect(isOpenAt(night, at('2026-12-08T01:59:00'))).toBe(true);
    expect(isOpenAt(night, at('2026-12-08T02:00:00'))).toBe(false);
    expect(next(night, '2026-12-08T02:00:00')).toBe('2026-12-08T22:00:00.000Z');
    expect(isOpenAt(night, at('2026-12-12T01:00:00'))).toBe(true); // Friday's session, on Saturday
    expect(isOpenAt(night, at('2026-12-12T02:00:00'))).toBe(false);
    expect(next(night, '2026-12-12T02:00:00')).toBe('2026-12-14T22:00:00.000Z');
    expect(isOpenAt(night, at('2026-12-13T23:00:00'))).toBe(false); // no Sunday session
    // Saturday 22:00 → Sunday 02:00: Sunday starts a new week, the session began in the last one.
    const saturday = { days: [6], open: '22:00', close: '02:00' };
    expect(isOpenAt(saturday, at('2026-12-13T01:00:00'))).toBe(true);
    expect(isOpenAt(saturday, at('2026-12-13T02:00:00'))).toBe(false);
    expect(next(saturday, '2026-12-13T01:00:00')).toBe('2026-12-19T22:00:00.000Z');
  });

  it('back-to-back 24-hour sessions are one stretch (forex: Sunday 22:00 to Friday 22:00)', () => {
    const forex = { days: [0, 1, 2, 3, 4], open: '22:00', close: '22:00' };
    expect(isOpenAt(forex, at('2026-12-13T21:59:00'))).toBe(false);
    expect(next(forex, '2026-12-13T21:59:00')).toBe('2026-12-13T22:00:00.000Z');
    expect(isOpenAt(forex, at('2026-12-09T12:00:00'))).toBe(true);
    // While open, the next opening is after the stretch ends on Friday, not Wednesday 22:00.
    expect(next(forex, '2026-12-09T12:00:00')).toBe('2026-12-13T22:00:00.000Z');
    expect(isOpenAt(forex, at('2026-12-11T21:59:00'))).toBe(true);
    expect(isOpenAt(forex, at('2026-12-11T22:00:00'))).toBe(false);
    expect(isOpenAt(forex, at('2026-12-12T12:00:00'))).toBe(false);
  });

  it('no hours, or sessions joining into one endless stretch, trade around the clock: always open, no next opening', () => {
    expect(isOpenAt(null, at('2026-12-12T12:00:00'))).toBe(true);
    expect(next(null, '2026-12-12T12:00:00')).toBeNull();
    const always = { days: [0, 1, 2, 3, 4, 5, 6], open: '00:00', close: '00:00' };
    expect(isOpenAt(always, at('2026-12-12T12:00:00'))).toBe(true);
    expect(next(always, '2026-12-12T12:00:00')).toBeNull();
  });

  it('says what is wrong with a schedule', () => {
    expect(tradingHoursProblem({ days: [1], open: '09:00', close: '17:00' })).toBeNull();
    expect(tradingHoursProblem({ days: [], open: '09:00', close: '17:00' })).toMatch(/days/);
    expect(tradingHoursProblem({ days: [7], open: '09:00', close: '17:00' })).toMatch(/days/);
    expect(tradingHoursProblem({ days: [1, 1], open: '09:00', close: '17:00' })).toMatch(/days/);
    expect(tradingHoursProblem({ days: [1], open: '9am', close: '17:00' })).toMatch(/HH:MM/);
    expect(tradingHoursProblem({ days: [1], open: '09:00', close: '24:00' })).toMatch(/HH:MM/);
  });
});

describe('asset precision', () => {
  it('counts decimals without trailing zeros, refuses more than the precision naming the field, cuts toward zero', () => {
    expect(decimalPlaces('1.500000')).toBe(1);
    expect(decimalPlaces('12')).toBe(0);
    expect(() => requirePrecision('1.1234567', 6, 'amount', 'USDT')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'amount' } }),
    );
    expect(() => requirePrecision('1.1234560', 6, 'amount', 'USDT')).not.toThrow();
    expect(cutToPrecision('0.65000019', 6)).toBe('0.65');
    expect(cutToPrecision('12.3456789', 6)).toBe('12.345678');
    expect(cutToPrecision('0.00000099', 6)).toBe('0');
    expect(cutToPrecision('1.07001', 2)).toBe('1.07');
    expect(cutToPrecision('5.999', 0)).toBe('5');
    expect(cutToPrecision('-0.0000001', 6)).toBe('0');
    expect(cutToPrecision('42', 2)).toBe('42');
  });
});
