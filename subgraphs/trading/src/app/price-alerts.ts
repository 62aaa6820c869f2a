import { invalidInput, type EntityManager } from '@tradegraph/shared';
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

/** PRICE_ALERTS_MAX_PER_USER, 100 when unset or not a positive whole number; read once, at start. */
export function maxAlertsPerUser(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.PRICE_ALERTS_MAX_PER_USER || 100);
  return Number.isInteger(value) && value > 0 ? value : 100;
}
