import { DomainError, invalidInput, toUnits, type AlertKind, type AlertStatus, type AlertWindow } from '@tradegraph/shared/domain';

export type { AlertKind, AlertStatus, AlertWindow };

/** The legacy shorthand of `createPriceAlert`: `above` is an ABOVE alert, `below` a BELOW one. */
export type AlertCondition = 'above' | 'below';

export const MARKET_SYMBOL = /^[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$/;

/** The windows a CHANGE_PERCENT alert may measure over, and their length. */
export const WINDOW_MS: Readonly<Record<AlertWindow, number>> = {
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '4h': 4 * 60 * 60_000,
  '24h': 24 * 60 * 60_000,
};
export const ALERT_WINDOWS = Object.keys(WINDOW_MS) as AlertWindow[];

/** A repeating alert waits this long before it is armed again when its owner names no cool-down. */
export const DEFAULT_COOLDOWN_SECONDS = 300;
export const MAX_COOLDOWN_SECONDS = 30 * 24 * 3600;
/** How far ahead an alert may expire. */
export const MAX_EXPIRY_MS = 366 * 24 * 3600_000;
/** A rise of more than this percent is refused (it would never be a useful alert, and it bounds the stored number). */
export const MAX_RISE_PERCENT = 100_000n;

/** numeric(38,18) holds at most 20 digits before the point. */
const MAX_UNITS = 10n ** 38n;

/** What a client asks for. */
export interface AlertRequest {
  market: string;
  kind: AlertKind;
  threshold?: string | null;
  percent?: string | null;
  window?: AlertWindow | null;
  repeat?: boolean | null;
  cooldownSeconds?: number | null;
  expiresAt?: Date | null;
}

/** A checked alert, ready to store. */
export interface NewAlert {
  market: string;
  kind: AlertKind;
  threshold: string | null;
  percent: string | null;
  window: AlertWindow | null;
  repeat: boolean;
  cooldownSeconds: number | null;
  expiresAt: Date | null;
}

/** Checks a new alert before anything is stored; bad input changes nothing. */
export function validateAlert(market: string, price: string): void {
  checkMarket(market);
  checkPositive(price, 'price');
}

function checkMarket(market: string): void {
  if (!MARKET_SYMBOL.test(market)) throw invalidInput('market must look like BTC-USDT', 'market');
}

function checkPositive(value: string, field: string): bigint {
  const units = toUnits(value, field);
  if (units <= 0n) throw invalidInput(`${field} must be positive`, field);
  if (units >= MAX_UNITS) throw invalidInput(`${field} is too large`, field);
  return units;
}

const absent = (value: unknown) => value === undefined || value === null;

/**
 * Checks a request of any kind and gives the alert to store: ABOVE and BELOW take a positive
 * `threshold`; CHANGE_PERCENT a signed non-zero `percent` (a fall above -100 %, a rise up to
 * 100,000 %) and a `window`; `repeat` re-arms after `cooldownSeconds` (default 300 s);
 * `expiresAt` must lie ahead (within a year). Fields of another kind are refused, not ignored.
 */
export function checkAlertRequest(request: AlertRequest, now: Date): NewAlert {
  checkMarket(request.market);
  let threshold: string | null = null;
  let percent: string | null = null;
  let window: AlertWindow | null = null;
  if (request.kind === 'ABOVE' || request.kind === 'BELOW') {
    if (absent(request.threshold)) throw invalidInput(`${request.kind} alerts need a threshold`, 'threshold');
    checkPositive(request.threshold!, 'threshold');
    if (!absent(request.percent)) throw invalidInput(`${request.kind} alerts take no percent`, 'percent');
    if (!absent(request.window)) throw invalidInput(`${request.kind} alerts take no window`, 'window');
    threshold = request.threshold!;
  } else if (request.kind === 'CHANGE_PERCENT') {
    if (!absent(request.threshold)) throw invalidInput('CHANGE_PERCENT alerts take no threshold', 'threshold');
    if (absent(request.percent)) throw invalidInput('CHANGE_PERCENT alerts need a percent', 'percent');
    const units = toUnits(request.percent!, 'percent');
    if (units === 0n) throw invalidInput('percent must not be zero', 'percent');
    if (units <= -100n * 10n ** 18n) throw invalidInput('a fall must be less than 100 percent', 'percent');
    if (units > MAX_RISE_PERCENT * 10n ** 18n) throw invalidInput(`a rise may be at most ${MAX_RISE_PERCENT} percent`, 'percent');
    if (absent(request.window) || !(request.window! in WINDOW_MS)) throw invalidInput('CHANGE_PERCENT alerts need a window', 'window');
    percent = request.percent!;
    window = request.window!;
  } else {
    throw invalidInput('kind must be ABOVE, BELOW or CHANGE_PERCENT', 'kind');
  }
  const repeat = request.repeat ?? false;
  let cooldownSeconds: number | null = null;
  if (repeat) {
    cooldownSeconds = request.cooldownSeconds ?? DEFAULT_COOLDOWN_SECONDS;
    if (!Number.isInteger(cooldownSeconds) || cooldownSeconds < 1 || cooldownSeconds > MAX_COOLDOWN_SECONDS) {
      throw invalidInput(`cooldownSeconds must be a whole number from 1 to ${MAX_COOLDOWN_SECONDS}`, 'cooldownSeconds');
    }
  } else if (!absent(request.cooldownSeconds)) {
    throw invalidInput('cooldownSeconds applies only to repeating alerts', 'cooldownSeconds');
  }
  const expiresAt = request.expiresAt ?? null;
  if (expiresAt) {
    if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime())
      throw invalidInput('expiresAt must be in the future', 'expiresAt');
    if (expiresAt.getTime() - now.getTime() > MAX_EXPIRY_MS) throw invalidInput('expiresAt may be at most a year ahead', 'expiresAt');
  }
  return { market: request.market, kind: request.kind, threshold, percent, window, repeat, cooldownSeconds, expiresAt };
}

/** A user may hold at most `max` active alerts: refuses the next one when `active` already reaches it. */
export function checkAlertLimit(active: number, max: number): void {
  if (active >= max) throw new DomainError('LIMIT_EXCEEDED', `At most ${max} active price alerts per user`, { max });
}

/** Only an active alert can be cancelled; a fired, expired or cancelled one stays as it is. */
export function checkCancellable(status: AlertStatus): void {
  if (status !== 'active') throw new DomainError('CONFLICT', `The alert is ${status}, not active`, { status });
}

/**
 * Whether a market price fires an active ABOVE / BELOW alert: ABOVE at or over its threshold,
 * BELOW at or under it (exact decimals, so a price equal to the threshold fires either way).
 * The index (alert-index.ts) applies the same rule to many alerts at once.
 */
export function firesAt(alert: { kind: AlertKind; threshold: string; status: AlertStatus }, marketPrice: string): boolean {
  if (alert.status !== 'active') return false;
  const difference = toUnits(marketPrice, 'price') - toUnits(alert.threshold, 'threshold');
  return alert.kind === 'ABOVE' ? difference >= 0n : alert.kind === 'BELOW' ? difference <= 0n : false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An alert id that is not a UUID names no alert: the same answer as someone else's alert. */
export function checkAlertId(id: string): void {
  if (!UUID.test(id)) throw new DomainError('NOT_FOUND', 'No such price alert');
}

/** A tick's price, as anything on the bus may publish it: a positive decimal of at most 18 places. */
export const TICK_PRICE = /^\d{1,20}(\.\d{1,18})?$/;
