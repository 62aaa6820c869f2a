import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '@tradegraph/shared';
import { VOLUME_QUOTES, tierFor, type FeeTier } from '../domain/fees';
import { thirtyDayVolumes } from '../infra/volumes';
import type { Sequencer } from './sequencer';

/**
 * Moves users between fee tiers (FEE_TIERS) as their 30-day volume changes: every
 * FEE_TIER_REFRESH_MS it reads the volume of the users who traded since the last pass and of
 * those above level 0 (whose volume may have aged out), and submits SetUserFees for each whose
 * tier changed. The command is journaled like any other, so a replay charges the same fees. Off
 * the hot path: fills only add their user to a set after their batch is durable.
 */
export class FeeTierKeeper {
  private traders = new Set<string>();

  constructor(
    private readonly schedule: readonly FeeTier[],
    private readonly orm: MikroORM,
    private readonly logger: Logger,
  ) {}

  /** A batch's fills (sequencer.onBatch). */
  noteFills(fills: readonly { userId: string }[]): void {
    for (const fill of fills) this.traders.add(fill.userId);
  }

  /** The markets whose fills count: those quoted in a dollar asset. */
  volumeMarkets(sequencer: Sequencer): string[] {
    const engine = sequencer.engine;
    return engine.marketIds().filter((id) => VOLUME_QUOTES.has(engine.marketSpec(id)!.quote));
  }

  /** One user's 30-day volume, for me.feeTier. */
  async volumeOf(sequencer: Sequencer, user: string): Promise<string> {
    return (await thirtyDayVolumes(this.orm, [user], this.volumeMarkets(sequencer))).get(user) ?? '0';
  }

  async refresh(sequencer: Sequencer): Promise<number> {
    const users = new Set([...this.traders, ...sequencer.engine.usersWithFeeTier()]);
    this.traders = new Set();
    if (users.size === 0) return 0;
    const volumes = await thirtyDayVolumes(this.orm, [...users], this.volumeMarkets(sequencer));
    let moved = 0;
    for (const user of users) {
      const tier = tierFor(this.schedule, volumes.get(user) ?? '0');
      if (sequencer.engine.userFees(user).level === tier.level) continue;
      const { result } = await sequencer.submit({ type: 'SetUserFees', user, level: tier.level, makerBps: tier.makerBps, takerBps: tier.takerBps });
      if (result.code === 'OK') moved += 1;
      else this.logger.warn({ user, level: tier.level, code: result.code }, 'fee tier change refused by the engine');
    }
    if (moved > 0) this.logger.info({ moved }, 'fee tiers moved');
    return moved;
  }
}
