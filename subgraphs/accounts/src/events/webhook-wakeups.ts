import { WEBHOOK_DELIVERIES_DUE_CHANNEL, type EventBus, type Logger } from '@tradegraph/shared';

/**
 * "Webhook deliveries are due" between accounts processes (WEBHOOK_DELIVERIES_DUE_CHANNEL): the
 * process that stored events (or resumed an endpoint, or queued a redelivery) says so, and the
 * workers of every accounts process look at once. Only a hint: the deliveries are in Postgres,
 * and workers also look every WEBHOOK_POLL_INTERVAL_MS, so a lost hint delays, never loses.
 */
export class WebhookWakeups {
  private following: AsyncIterableIterator<unknown> | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  announce(): void {
    this.bus.publish(WEBHOOK_DELIVERIES_DUE_CHANNEL, {}).catch((error: unknown) => {
      this.logger.debug({ err: error }, 'webhook wake-up not published; workers will poll');
    });
  }

  /** Calls `onDue` for every announcement, from any process, until `stop()`. */
  follow(onDue: () => void): void {
    const iterator = this.bus.subscribe<unknown>(WEBHOOK_DELIVERIES_DUE_CHANNEL);
    this.following = iterator;
    void (async () => {
      try {
        for await (const _ of iterator) onDue();
      } catch (error) {
        this.logger.warn({ err: error }, 'webhook wake-ups stopped; workers keep polling');
      }
    })();
  }

  async stop(): Promise<void> {
    await this.following?.return?.();
  }
}
