import { readFile } from 'node:fs/promises';
import { canonicalDecimal } from '@tradegraph/shared';
import type { FeedTick, PriceFeed } from '../../domain/price-feed';

/** Reads recorded ticks: CSV `at,market,price` with a header line, `at` ISO-8601. */
export function parseTicksCsv(text: string): FeedTick[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const ticks: FeedTick[] = [];
  lines.forEach((line, index) => {
    const [at, market, price] = line.split(',').map((cell) => cell.trim());
    if (index === 0 && at === 'at') return; // the header
    const time = new Date(at ?? '');
    if (!market || !price || Number.isNaN(time.getTime()) || !/^\d+(\.\d+)?$/.test(price)) {
      throw new Error(`replay file line ${index + 1} is not "at,market,price": ${line}`);
    }
    ticks.push({ market, price: canonicalDecimal(price), at: time });
  });
  return ticks.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export interface ReplayOptions {
  /** 1 plays at recorded pace, 10 ten times faster, 0 as fast as possible. */
  speed: number;
  /** Start again from the first tick after the last one. */
  loop: boolean;
  /** Recorded times (true) or the time of playing (false) on the ticks. */
  keepRecordedTime: boolean;
}

/**
 * Plays recorded ticks (e.g. a history export, or a capture of a real feed) with the gaps
 * between them, scaled by `speed`. Useful for demos and backtests that need a known path.
 */
export class ReplayFeed implements PriceFeed {
  readonly name = 'replay';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly file: string,
    private readonly options: ReplayOptions,
  ) {}

  async start(onTick: (tick: FeedTick) => void): Promise<void> {
    const ticks = parseTicksCsv(await readFile(this.file, 'utf8'));
    if (ticks.length === 0) return;
    let index = 0;
    const playNext = () => {
      if (this.stopped) return;
      const tick = ticks[index]!;
      onTick(this.options.keepRecordedTime ? tick : { ...tick, at: new Date() });
      index += 1;
      if (index >= ticks.length) {
        if (!this.options.loop) return;
        index = 0;
      }
      const gap = index === 0 ? 0 : ticks[index]!.at.getTime() - tick.at.getTime();
      const wait = this.options.speed > 0 ? gap / this.options.speed : 0;
      this.timer = setTimeout(playNext, Math.max(0, wait));
    };
    this.timer = setTimeout(playNext, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
