import { invalidInput } from './domain-error';

/**
 * Asset precision: the decimals the exchange accepts and shows for an asset (the catalog's
 * `Asset.precision`, at most the engine's 8). Amounts sent with more are refused naming their
 * field; amounts shown are cut to it (rounded down: never more than is held).
 */
export function decimalPlaces(value: string): number {
  const fraction = value.split('.')[1] ?? '';
  return fraction.replace(/0+$/, '').length;
}

/** Refuses (BAD_USER_INPUT, naming `field`) an amount with more decimals than `precision`. */
export function requirePrecision(value: string, precision: number, field: string, asset: string): void {
  if (decimalPlaces(value) > precision) {
    throw invalidInput(`${field} has more than ${precision} decimal places, the most ${asset} takes`, field);
  }
}

/** A canonical decimal string cut to `precision` decimals (toward zero), without trailing zeros. */
export function cutToPrecision(value: string, precision: number): string {
  const dot = value.indexOf('.');
  if (dot < 0 || value.length - dot - 1 <= precision) return value;
  const cut =
    precision === 0
      ? value.slice(0, dot)
      : value
          .slice(0, dot + 1 + precision)
          .replace(/0+$/, '')
          .replace(/\.$/, '');
  return cut === '-0' ? '0' : cut;
}
