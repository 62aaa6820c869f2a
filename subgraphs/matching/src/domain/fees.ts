import { DomainError, toUnits } from '@tradegraph/shared/domain';
import { MAX_FEE_BPS } from './engine';

/**
 * The fee schedule (FEE_TIERS): tiers by a user's 30-day volume. Level 0 starts at volume 0 and is
 * every market's own rate (Market.fees); a user whose volume reaches a tier's threshold pays its
 * rates (me.feeTier), which the engine charges on every fill (SetUserFees). Tiers only lower fees,
 * so a buy's reservation made at the market's rates always covers the fill.
 */
export interface FeeTier {
  level: number;
  /** 30-day volume (USD) from which this tier applies, a decimal string. */
  minVolume: string;
  makerBps: number;
  takerBps: number;
}

export const DEFAULT_FEE_TIERS = '0:10:20,100000:8:16,1000000:5:12';

/** Quote assets whose fills count towards the 30-day volume, taken as US dollars. */
export const VOLUME_QUOTES: ReadonlySet<string> = new Set(['USD', 'USDT', 'USDC']);

function invalid(text: string, why: string): DomainError {
  return new DomainError('BAD_USER_INPUT', `FEE_TIERS "${text}": ${why} (format <30-day volume>:<maker bps>:<taker bps>, comma-separated)`);
}

export function parseFeeSchedule(text: string = DEFAULT_FEE_TIERS): FeeTier[] {
  const tiers = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, level) => {
      const match = /^(\d+(?:\.\d+)?):(\d+):(\d+)$/.exec(part);
      if (!match) throw invalid(text, `"${part}" is not a tier`);
      const [, minVolume, maker, taker] = match;
      const tier = { level, minVolume, makerBps: Number(maker), takerBps: Number(taker) };
      if (tier.makerBps > MAX_FEE_BPS || tier.takerBps > MAX_FEE_BPS) throw invalid(text, 'a rate above 10000 bps');
      return tier;
    });
  if (tiers.length === 0 || toUnits(tiers[0].minVolume) !== 0n) throw invalid(text, 'the first tier must start at volume 0');
  for (let i = 1; i < tiers.length; i++) {
    if (toUnits(tiers[i].minVolume) <= toUnits(tiers[i - 1].minVolume)) throw invalid(text, 'thresholds must increase');
    if (tiers[i].makerBps > tiers[i - 1].makerBps || tiers[i].takerBps > tiers[i - 1].takerBps) throw invalid(text, 'a higher tier may not cost more');
  }
  return tiers;
}

/** The tier a 30-day volume earns: the highest whose threshold it reaches. */
export function tierFor(schedule: readonly FeeTier[], volume: string): FeeTier {
  const units = toUnits(volume);
  let tier = schedule[0];
  for (const candidate of schedule) if (units >= toUnits(candidate.minVolume)) tier = candidate;
  return tier;
}

/** A rate in basis points as a decimal fraction ("0.001" for 10 bps). */
export function bpsToRate(bps: number): string {
  const whole = Math.floor(bps / 10_000);
  const fraction = String(bps % 10_000).padStart(4, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}
