import { DomainError, invalidInput, toUnits } from '@tradegraph/shared/domain';

/** A price alert: tell its owner when a market's price crosses `price` in the direction of `condition`. */
export type AlertCondition = 'above' | 'below';
export type AlertStatus = 'active' | 'triggered' | 'cancelled';

export const MARKET_SYMBOL = /^[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$/;

/** Checks a new alert before anything is stored; bad input changes nothing. */
export function validateAlert(market: string, price: string): void {
  if (!MARKET_SYMBOL.test(market)) throw invalidInput('market must look like BTC-USDT', 'market');
  if (toUnits(price, 'price') <= 0n) throw invalidInput('price must be positive', 'price');
}

/** A user may hold at most `max` active alerts: refuses the next one when `active` already reaches it. */
export function checkAlertLimit(active: number, max: number): void {
  if (active >= max) throw new DomainError('LIMIT_EXCEEDED', `At most ${max} active price alerts per user`, { max });
}

/**
 * Whether a market price fires an active alert: `above` fires at or over the alert's price,
 * `below` at or under it (exact decimals, so a price equal to the alert's fires either way).
 */
export function firesAt(alert: { condition: AlertCondition; price: string; status: AlertStatus }, marketPrice: string): boolean {
  if (alert.status !== 'active') return false;
  const difference = toUnits(marketPrice, 'price') - toUnits(alert.price, 'price');
  return alert.condition === 'above' ? difference >= 0n : difference <= 0n;
}
