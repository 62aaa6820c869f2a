import { KeyFilter } from '../src/domain/key-filter';

// Placement trusts a "never added" from the filter to skip the database: it must never be wrong
// about a key that was added, and it must say "maybe" to few keys that were not.
describe('KeyFilter', () => {
  it('never forgets a key, across growth, and rarely claims one it never saw', () => {
    const filter = new KeyFilter(1000); // small first layer, so 20,000 keys span several layers
    const user = '3f1c9a52-7d4e-4b7a-9a0e-5b6c2d1e8f90';
    for (let i = 0; i < 20_000; i += 1) filter.add(`${user}\norder-${i}`);
    for (let i = 0; i < 20_000; i += 1) expect(filter.mayHave(`${user}\norder-${i}`)).toBe(true);
    let claimed = 0;
    for (let i = 20_000; i < 120_000; i += 1) if (filter.mayHave(`${user}\norder-${i}`)) claimed += 1;
    expect(claimed / 100_000).toBeLessThan(0.03);
    // Keys differing only by user are different keys.
    expect(filter.mayHave(`${user.replace('3f', '4f')}\norder-1`)).toBe(false);
  });

  it('says "never" for everything while empty', () => {
    const filter = new KeyFilter();
    expect(filter.mayHave('')).toBe(false);
    expect(filter.mayHave('anything')).toBe(false);
  });
});
