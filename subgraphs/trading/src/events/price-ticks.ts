import { priceChannel, type EventBus, type Logger, type PriceEvent } from '@tradegraph/shared';

/**
 * Trading consumes markets' `markets.price.<market>` (the event bus has no pattern
 * subscription, so one subscription per market): every listed market, and every market an
 * alert names. `follow` is idempotent; `stop` ends every subscription.
 */
export class PriceTicks {
  private readonly followed = new Map<string, AsyncIterableIterator<PriceEvent>>();

  constructor(
    private readonly bus: EventBus,
    private readonly onTick: (event: PriceEvent, market: string) => void,
    private readonly logger: Logger,
  ) {}

  follow(market: string): void {
    if (this.followed.has(market)) return;
    const events = this.bus.subscribe<PriceEvent>(priceChannel(market));
    this.followed.set(market, events);
    void (async () => {
      for await (const event of events) {
        try {
          this.onTick(event, market);
        } catch (error) {
          this.logger.warn({ err: error, market }, 'price tick not evaluated');
        }
      }
    })().catch((error: unknown) => this.logger.warn({ err: error, market }, 'price subscription ended'));
  }

  get markets(): number {
    return this.followed.size;
  }

  async stop(): Promise<void> {
    const all = [...this.followed.values()];
    this.followed.clear();
    await Promise.all(all.map((events) => events.return?.()));
  }
}
