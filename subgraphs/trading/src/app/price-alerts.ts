import { DomainError, config, invalidInput, type Config, type EntityManager, type PriceAlertState } from '@tradegraph/shared';
import {
  checkAlertId,
  checkAlertLimit,
  checkAlertRequest,
  checkCancellable,
  validateAlert,
  type AlertCondition,
  type AlertRequest,
} from '../domain/alerts';
import { alertsOfUser, cancelActiveAlert, countActiveAlerts, findAlertOf, insertAlert, recordState } from '../infra';

/** The most alerts one `myPriceAlerts` answer lists. */
const MAX_ALERTS_LISTED = 500;

/** Whether markets lists a symbol (markets' listing route, behind a cache: infra/listed-markets.ts). */
export interface MarketListing {
  has(symbol: string): Promise<boolean>;
}

/** Where alerts go once stored or cancelled: the alert engine's index (app/alert-engine.ts). */
export interface AlertSink {
  added(state: PriceAlertState): void;
  removed(id: string): void;
}

const NO_SINK: AlertSink = { added: () => undefined, removed: () => undefined };

/**
 * Price alerts: creating one checks its input, that markets lists the market, and the user's
 * limit, stores it and arms it; cancelling one disarms it.
 */
export class PriceAlerts {
  constructor(
    private readonly listing: MarketListing,
    /** Active alerts one user may hold (PRICE_ALERTS_MAX_PER_USER). */
    readonly maxPerUser: number,
    private readonly sink: AlertSink = NO_SINK,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The shorthand of `createPriceAlert(market, condition, price)`: an ABOVE or BELOW alert. */
  async createSimple(
    em: EntityManager,
    userId: string,
    alert: { market: string; condition: AlertCondition; price: string },
  ): Promise<PriceAlertState> {
    validateAlert(alert.market, alert.price);
    return this.create(em, userId, { market: alert.market, kind: alert.condition === 'above' ? 'ABOVE' : 'BELOW', threshold: alert.price });
  }

  async create(em: EntityManager, userId: string, request: AlertRequest): Promise<PriceAlertState> {
    const alert = checkAlertRequest(request, this.now());
    if (!(await this.listing.has(alert.market))) throw invalidInput(`${alert.market} is not a listed market`, 'market');
    checkAlertLimit(await countActiveAlerts(em, userId), this.maxPerUser);
    const state = recordState(await insertAlert(em, userId, alert));
    this.sink.added(state);
    return state;
  }

  /** The user's alerts in `statuses`, newest first, at most `first` (1–MAX_ALERTS_LISTED). */
  list(em: EntityManager, userId: string, statuses: readonly PriceAlertState['status'][], first: number): Promise<PriceAlertState[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_ALERTS_LISTED) {
      throw invalidInput(`first must be between 1 and ${MAX_ALERTS_LISTED}`, 'first');
    }
    if (statuses.length === 0) throw invalidInput('statuses must name at least one status', 'statuses');
    return alertsOfUser(em, userId, [...new Set(statuses)], first);
  }

  /** Cancels the caller's active alert; another user's alert, or none, is NOT_FOUND alike. */
  async cancel(em: EntityManager, userId: string, id: string): Promise<PriceAlertState> {
    checkAlertId(id);
    const cancelled = await cancelActiveAlert(em, userId, id);
    if (cancelled) {
      this.sink.removed(id);
      return cancelled;
    }
    const existing = await findAlertOf(em, userId, id);
    if (!existing) throw new DomainError('NOT_FOUND', 'No such price alert');
    checkCancellable(existing.status);
    // Active after all (it fired and re-armed between the two statements): try once more.
    return this.cancel(em, userId, id);
  }
}

/** PRICE_ALERTS_MAX_PER_USER, read once, at start. */
export function maxAlertsPerUser(settings: Config = config()): number {
  return settings.PRICE_ALERTS_MAX_PER_USER;
}
