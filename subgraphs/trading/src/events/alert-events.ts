import {
  alertChangesChannel,
  alertChannel,
  type AlertChangedEvent,
  type AlertTriggeredEvent,
  type EventBus,
  type Logger,
} from '@tradegraph/shared';

/** What trading says about alerts on the bus: firings to their owners, changes to the other trading processes. */
export class AlertAnnouncer {
  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
    /** This process's id: its own change announcements come back to it and are skipped. */
    readonly origin: string,
  ) {}

  /** `trading.alert.<userId>`, after the firing committed. */
  triggered(event: AlertTriggeredEvent): void {
    this.bus
      .publish(alertChannel(event.alert.userId), event)
      .catch((error: unknown) => this.logger.warn({ err: error, alert: event.alert.id }, 'alert firing not published'));
  }

  /** Tells the other trading processes that alert `id` changed (created, cancelled). */
  changed(id: string): void {
    const event: AlertChangedEvent & { origin: string } = { id, origin: this.origin };
    this.bus
      .publish(alertChangesChannel, event)
      .catch((error: unknown) => this.logger.warn({ err: error, alert: id }, 'alert change not announced'));
  }
}

/** Follows the changes other trading processes announce; returns the function that stops. */
export function followAlertChanges(bus: EventBus, origin: string, onChange: (id: string) => void, logger: Logger): () => Promise<void> {
  const events = bus.subscribe<AlertChangedEvent & { origin?: string }>(alertChangesChannel);
  void (async () => {
    for await (const event of events) {
      if (event.origin !== origin && typeof event.id === 'string') onChange(event.id);
    }
  })().catch((error: unknown) => logger.warn({ err: error }, 'alert changes subscription ended'));
  return async () => {
    await events.return?.();
  };
}
