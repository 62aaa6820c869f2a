import { badInput, toUnits } from '@tradegraph/shared';

export const MARKET_SYMBOL = /^[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$/;

/** Checks a new alert before anything is stored; bad input changes nothing. */
export function validateAlert(market: string, price: string): void {
  if (!MARKET_SYMBOL.test(market)) throw badInput('market must look like BTC-USDT', 'market');
  if (toUnits(price, 'price') <= 0n) throw badInput('price must be positive', 'price');
}
