import type { Logger } from 'pino';

/**
 * The log of work that keeps being tried while its store is down: a background write retried
 * until it succeeds (markets' prices to Redis every 50 ms), or every event published to Redis
 * (matching's, thousands a second under load). A warning at each failure would bury every other
 * line, so the first failure of a streak is logged, then at most one line per `everyMs` with how
 * many tries failed since, and one when it works again.
 */
export class FailureStreak {
  private failures = 0;
  private lastLoggedAt = 0;
  private failuresAtLastLog = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly everyMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  failed(error: unknown, fields: Record<string, unknown> = {}): void {
    this.failures += 1;
    const now = this.now();
    if (this.failures > 1 && now - this.lastLoggedAt < this.everyMs) return;
    this.logger.warn(
      { err: error, ...fields, failedTries: this.failures, sinceLastLine: this.failures - this.failuresAtLastLog },
      `${this.what} failed; retrying`,
    );
    this.lastLoggedAt = now;
    this.failuresAtLastLog = this.failures;
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.logger.info({ failedTries: this.failures }, `${this.what} works again`);
    this.failures = 0;
    this.failuresAtLastLog = 0;
  }
}
