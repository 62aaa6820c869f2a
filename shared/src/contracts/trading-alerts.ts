import { channel } from './channel';

/**
 * Trading → gateway (subscriptions): `trading.alert.<userId>`, a price alert of that user that
 * fired. Published once per firing, after the transaction that recorded it committed (the
 * conditional update of the alert row decides which process fired it: only that one publishes).
 */
export const alertChannel = (userId: string) => channel('trading', 'alert', userId);

export type AlertKind = 'ABOVE' | 'BELOW' | 'CHANGE_PERCENT';
/** The windows a CHANGE_PERCENT alert measures its change over. */
export type AlertWindow = '5m' | '15m' | '1h' | '4h' | '24h';
export type AlertStatus = 'active' | 'triggered' | 'cancelled' | 'expired';

/** A price alert as it stands after a firing (dates are ISO strings on the wire). */
export interface PriceAlertState {
  id: string;
  userId: string;
  market: string;
  kind: AlertKind;
  /** ABOVE / BELOW: the price that fires it. */
  threshold: string | null;
  /** CHANGE_PERCENT: the signed change that fires it (5 = a rise of 5 % or more, -5 = a fall of 5 % or more). */
  percent: string | null;
  window: AlertWindow | null;
  repeat: boolean;
  cooldownSeconds: number | null;
  expiresAt: string | null;
  status: AlertStatus;
  createdAt: string;
  triggeredAt: string | null;
  triggeredPrice: string | null;
  timesTriggered: number;
  /** A repeating alert that fired is armed again at this time. */
  rearmsAt: string | null;
}

export interface AlertTriggeredEvent {
  alert: PriceAlertState;
  /** The price that crossed. */
  price: string;
  /** ISO time of that price (the tick's own `at`, as its publisher stamped it). */
  priceAt: string;
  /** CHANGE_PERCENT: the price the change was measured from (the price at the window's start). */
  referencePrice: string | null;
  /** ISO time of the firing. */
  at: string;
}

/**
 * Trading → trading: an alert was created or cancelled by one trading process; every process
 * (itself included) brings that alert's row into its in-memory index again, so several trading
 * processes evaluate the same alerts.
 */
export const alertChangesChannel = channel('trading', 'alerts', 'changed');

export interface AlertChangedEvent {
  id: string;
}
