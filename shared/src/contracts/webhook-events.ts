/**
 * Every subgraph → accounts: the events that leave the graph as webhooks (docs/architecture.md,
 * "Webhooks"). A subgraph records an event in its own outbox table in the same transaction as
 * the fact (shared/src/outbox.ts); its relay then posts the outbox to accounts'
 * `POST /internal/webhooks/events` with a `WebhookEventsRequest`, and deletes what accounts
 * acknowledged (200 `WebhookEventsAccepted`). Accounts stores each event once (its id is the
 * key) and fans it out to the endpoints that selected it.
 *
 * Adding an event family, or a type to one, is one line in WEBHOOK_EVENT_FAMILIES.
 */
import { DEPOSIT_STATUSES } from './funding-deposits';
import { WITHDRAWAL_STATUSES } from './funding-withdrawals';

export const WEBHOOK_EVENTS_PATH = '/internal/webhooks/events';

export const WEBHOOK_EVENT_FAMILIES = {
  /** Orders and fills (matching). */
  trade: ['order_accepted', 'order_filled', 'order_cancelled', 'fill'],
  /** Crypto and PIX deposits (funding). */
  deposit: DEPOSIT_STATUSES,
  /** Withdrawals (funding). */
  withdrawal: WITHDRAWAL_STATUSES,
  /** Security and integration events of the account itself (accounts). */
  account: ['login_new_device', 'two_factor_changed', 'wallet_linked', 'api_key_created', 'webhook_failing'],
  /** Price alerts (trading). */
  alert: ['triggered'],
  /** Margin and liquidation (trading). */
  risk: ['margin_call', 'liquidation'],
  /** Trading bots (trading). */
  bot: ['started', 'stopped', 'order_placed', 'failed'],
} as const;

export type WebhookEventFamily = keyof typeof WEBHOOK_EVENT_FAMILIES;
export type WebhookEventType = {
  [F in WebhookEventFamily]: `${F}.${(typeof WEBHOOK_EVENT_FAMILIES)[F][number]}`;
}[WebhookEventFamily];

/** Every event type, e.g. `trade.fill`. */
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = Object.entries(WEBHOOK_EVENT_FAMILIES).flatMap(([family, names]) =>
  names.map((name) => `${family}.${name}` as WebhookEventType),
);

/** The type a test delivery (`sendTestWebhook`) carries; no endpoint selects it, each test goes to one endpoint. */
export const WEBHOOK_TEST_EVENT_TYPE = 'webhook.test';

/**
 * What an endpoint may select: a type (`trade.fill`), a family (`trade.*`) or everything (`*`).
 * Returns whether `selection` is one of those.
 */
export function isWebhookSelection(selection: string): boolean {
  if (selection === '*') return true;
  if (selection.endsWith('.*')) return selection.slice(0, -2) in WEBHOOK_EVENT_FAMILIES;
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(selection);
}

/** Whether an endpoint that selected `selections` receives an event of `type`. */
export function webhookSelects(selections: readonly string[], type: string): boolean {
  const family = type.slice(0, type.indexOf('.'));
  return selections.some((selection) => selection === '*' || selection === type || selection === `${family}.*`);
}

/**
 * One event, as recorded by its producer and as its webhook body carries it (`{id, type,
 * createdAt, data}`; `userId` says whose endpoints receive it and is not sent).
 */
export interface WebhookEvent<Data = Record<string, unknown>> {
  /** A UUID the producer makes: the event's identity everywhere (receivers de-duplicate by it). */
  id: string;
  type: WebhookEventType;
  /** The user the event is about: their endpoints, and their applications' endpoints, receive it. */
  userId: string;
  /** ISO time of the fact. */
  createdAt: string;
  data: Data;
}

/**
 * `data` of a `trade.fill`: one side of a trade, as the user who owns the order sees it.
 * (`trade.order_*` events carry the order as `OrderEvent`, matching-orders.ts.)
 */
export interface TradeFillData {
  tradeId: number;
  orderId: string;
  market: string;
  side: 'buy' | 'sell';
  liquidity: 'maker' | 'taker';
  price: string;
  quantity: string;
  fee: string;
  feeAsset: string;
  /** ISO time. */
  createdAt: string;
}

export interface WebhookEventsRequest {
  events: WebhookEvent[];
}

export interface WebhookEventsAccepted {
  /** Events stored now (those accounts already held are not counted again). */
  stored: number;
}

/**
 * accounts → accounts: "deliveries are due now" (new events stored, an endpoint resumed, a test
 * or redelivery queued), so the webhook workers of every accounts process look at once instead
 * of at their next poll. The payload is empty; the deliveries themselves are in Postgres.
 */
export const WEBHOOK_DELIVERIES_DUE_CHANNEL = 'accounts.webhooks.due';
