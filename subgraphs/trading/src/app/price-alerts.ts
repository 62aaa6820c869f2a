import { config, invalidInput, type Config, type EntityManager } from '@tradegraph/shared';
import { checkAlertLimit, validateAlert, type AlertCondition } from '../domain/alerts';
import { countActiveAlerts, insertAlert, type PriceAlertRecord } from '../infra';

/** Whether markets lists a symbol (markets' listing route, behind a cache: infra/listed-markets.ts). */
export interface MarketListing {
  has(symbol: string): Promise<boolean>;
}

/** Price alerts: creating one checks its input, that markets lists the market, and the user's limit. */
export class PriceAlerts {
  constructor(
    private readonly listing: MarketListing,
    /** Active alerts one user may hold (PRICE_ALERTS_MAX_PER_USER). */
    readonly maxPerUser: number,
  ) {}

  async create(em: EntityManager, userId: string, alert: { market: string; condition: AlertCondition; price: string }): Promise<PriceAlertRecord> {
    validateAlert(alert.market, alert.price);
    if (!(await this.listing.has(alert.market))) throw invalidInput(`${alert.market} is not a listed market`, 'market');
    checkAlertLimit(await countActiveAlerts(em, userId), this.maxPerUser);
    return insertAlert(em, { userId, ...alert });
  }
}

/** PRICE_ALERTS_MAX_PER_USER, read once, at start. */
export function maxAlertsPerUser(settings: Config = config()): number {
  return settings.PRICE_ALERTS_MAX_PER_USER;
}
