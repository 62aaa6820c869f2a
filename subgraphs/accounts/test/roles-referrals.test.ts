import { adminEmails, initialRoles, nextRoles } from '../src/domain/roles';
import { newReferralCode, normalizeReferralCode, referralRevenueShare } from '../src/domain/referrals';

describe('roles', () => {
  it('makes bootstrap emails admins', () => {
    const admins = adminEmails(' Boss@Example.com , other@example.com');
    expect(initialRoles('boss@example.com', ['user'], admins)).toEqual(['user', 'admin']);
    expect(initialRoles('someone@example.com', ['user'], admins)).toEqual(['user']);
    expect(initialRoles(null, ['user'], admins)).toEqual(['user']);
  });

  it('keeps user, refuses unknown roles and an admin dropping their own admin role', () => {
    expect(nextRoles(['support'], { id: 'b' }, { userId: 'a' })).toEqual(['user', 'support']);
    expect(() => nextRoles(['root'], { id: 'b' }, { userId: 'a' })).toThrow(/Unknown role/);
    expect(() => nextRoles(['support'], { id: 'a' }, { userId: 'a' })).toThrow(/own admin role/);
    expect(nextRoles(['admin'], { id: 'a' }, { userId: 'a' })).toEqual(['user', 'admin']);
  });
});

describe('referrals', () => {
  it('makes readable codes and matches them loosely', () => {
    const code = newReferralCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(normalizeReferralCode(` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `)).toBe(code);
    expect(() => normalizeReferralCode('a b')).toThrow();
  });

  it('reads the revenue share from configuration', () => {
    expect(referralRevenueShare(undefined)).toBe('0.10');
    expect(referralRevenueShare('0.25')).toBe('0.25');
    expect(() => referralRevenueShare('1.5')).toThrow();
    expect(() => referralRevenueShare('abc')).toThrow();
  });
});
