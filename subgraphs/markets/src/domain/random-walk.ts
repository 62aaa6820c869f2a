/**
 * The simulated price feed: a seeded random walk in whole ticks, so the same seed gives the
 * same prices on every machine (tests and demos can rely on it) and a price is always on tick.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RandomWalk {
  private readonly random: () => number;
  constructor(
    seed: number,
    private ticks: bigint,
    /** Largest step as a fraction of the price, in basis points. */
    private readonly maxStepBps = 10,
  ) {
    this.random = mulberry32(seed);
  }

  /** The next price in ticks; never below one tick. */
  next(): bigint {
    const maxStep = (this.ticks * BigInt(this.maxStepBps)) / 10_000n;
    const step = BigInt(Math.round((this.random() * 2 - 1) * Number(maxStep > 0n ? maxStep : 1n)));
    this.ticks = this.ticks + step > 0n ? this.ticks + step : 1n;
    return this.ticks;
  }
}
