import { invalidInput } from './domain-error';

/**
 * Exact decimal arithmetic on strings through bigint "units" of 10^-18. Enough for the edges of
 * the system (catalog, feeds, display); the matching engine keeps its own ticks and lots.
 */
export const DECIMAL_SCALE = 18;
const SCALE = 10n ** BigInt(DECIMAL_SCALE);
const PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

export function toUnits(value: string, field = 'value'): bigint {
  const match = PATTERN.exec(value.trim());
  if (!match) throw invalidInput(`${field} must be a decimal string like "12.5"`, field);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > DECIMAL_SCALE) throw invalidInput(`${field} has more than ${DECIMAL_SCALE} decimal places`, field);
  const units = BigInt(whole) * SCALE + BigInt(fraction.padEnd(DECIMAL_SCALE, '0'));
  return sign ? -units : units;
}

export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(DECIMAL_SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
