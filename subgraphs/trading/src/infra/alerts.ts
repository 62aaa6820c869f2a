import { randomUUID } from 'node:crypto';
import { canonicalDecimal, type EntityManager, type PriceAlertState } from '@tradegraph/shared';
import type { NewAlert } from '../domain/alerts';
import { PriceAlertRecord } from './entities';

/** How many active alerts a user holds now. */
export function countActiveAlerts(em: EntityManager, userId: string): Promise<number> {
  return em.count(PriceAlertRecord, { userId, status: 'active' });
}

/** Stores a new active alert. */
export async function insertAlert(em: EntityManager, userId: string, alert: NewAlert): Promise<PriceAlertRecord> {
  const record = em.create(PriceAlertRecord, {
    id: randomUUID(),
    userId,
    ...alert,
    status: 'active',
    createdAt: new Date(),
    triggeredAt: null,
    triggeredPrice: null,
    timesTriggered: 0,
    rearmAt: null,
  });
  await em.persistAndFlush(record);
  return record;
}

/** `userId`'s alerts in `statuses`, newest first, at most `limit` (index price_alerts_user). */
export async function alertsOfUser(em: EntityManager, userId: string, statuses: readonly PriceAlertState['status'][], limit: number): Promise<PriceAlertState[]> {
  const records = await em.find(PriceAlertRecord, { userId, status: { $in: [...statuses] } }, { orderBy: { createdAt: 'desc' }, limit });
  return records.map(recordState);
}

/** The alert `id` if `userId` owns it. */
export function findAlertOf(em: EntityManager, userId: string, id: string): Promise<PriceAlertRecord | null> {
  return em.findOne(PriceAlertRecord, { id, userId });
}

/** Cancels `id` if it is still active; returns the row as it stands after (null: it was not active). */
export async function cancelActiveAlert(em: EntityManager, userId: string, id: string): Promise<PriceAlertState | null> {
  const rows = await em.execute<AlertRow[]>(
    `update trading.price_alerts set status = 'cancelled', rearm_at = null where id = ? and user_id = ? and status = 'active' returning ${COLUMNS}`,
    [id, userId],
  );
  return rows[0] ? alertState(rows[0]) : null;
}

/** An alert row as raw SQL returns it. */
export interface AlertRow {
  id: string;
  user_id: string;
  market: string;
  kind: PriceAlertState['kind'];
  price: string | null;
  percent: string | null;
  window: PriceAlertState['window'];
  repeat: boolean;
  cooldown_seconds: number | null;
  expires_at: Date | null;
  status: PriceAlertState['status'];
  created_at: Date;
  triggered_at: Date | null;
  triggered_price: string | null;
  times_triggered: number;
  rearm_at: Date | null;
}

const COLUMNS =
  'id, user_id, market, kind, price, percent, "window", repeat, cooldown_seconds, expires_at, status, created_at, triggered_at, triggered_price, times_triggered, rearm_at';

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);
const decimal = (value: string | null) => (value === null ? null : canonicalDecimal(value));

/** A row as the contracts carry it (canonical decimals, ISO dates). */
export function alertState(row: AlertRow): PriceAlertState {
  return {
    id: row.id,
    userId: row.user_id,
    market: row.market,
    kind: row.kind,
    threshold: decimal(row.price),
    percent: decimal(row.percent),
    window: row.window,
    repeat: row.repeat,
    cooldownSeconds: row.cooldown_seconds,
    expiresAt: iso(row.expires_at),
    status: row.status,
    createdAt: iso(row.created_at)!,
    triggeredAt: iso(row.triggered_at),
    triggeredPrice: decimal(row.triggered_price),
    timesTriggered: row.times_triggered,
    rearmsAt: iso(row.rearm_at),
  };
}

/** A record as the contracts carry it. */
export function recordState(record: PriceAlertRecord): PriceAlertState {
  return alertState({
    id: record.id,
    user_id: record.userId,
    market: record.market,
    kind: record.kind,
    price: record.threshold,
    percent: record.percent,
    window: record.window,
    repeat: record.repeat,
    cooldown_seconds: record.cooldownSeconds,
    expires_at: record.expiresAt,
    status: record.status,
    created_at: record.createdAt,
    triggered_at: record.triggeredAt,
    triggered_price: record.triggeredPrice,
    times_triggered: record.timesTriggered,
    rearm_at: record.rearmAt,
  });
}

/** Every active alert that has not expired (what a starting process indexes), or those of `ids`. */
export async function loadActiveAlerts(em: EntityManager, ids?: readonly string[]): Promise<PriceAlertState[]> {
  const rows = ids
    ? await em.execute<AlertRow[]>(`select ${COLUMNS} from trading.price_alerts where id = any(?::uuid[])`, [uuidArray(ids)])
    : await em.execute<AlertRow[]>(
        `select ${COLUMNS} from trading.price_alerts where status = 'active' and (expires_at is null or expires_at > now())`,
      );
  return rows.map(alertState);
}

/**
 * Ids as one Postgres array literal (the driver would spread a JS array into a list). `id =
 * any(<array>)` tells the planner how many rows to expect, so it looks them up by primary key;
 * joining a JSON recordset alone let it scan every active alert (250 ms at 100,000).
 */
function uuidArray(ids: readonly string[]): string {
  for (const id of ids) if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a uuid: ${id}`);
  return `{${ids.join(',')}}`;
}

/** One firing to record. */
export interface FiringRow {
  id: string;
  price: string;
  at: Date;
}

/**
 * Records firings, each only if its alert is still active, armed and not expired at its
 * time, in `em`'s transaction: the row decides, so two processes evaluating the same tick
 * never both fire one alert. A repeating alert stays active and is armed again after its
 * cool-down; another becomes `triggered`. Returns the rows this statement changed.
 */
export async function recordFirings(em: EntityManager, firings: readonly FiringRow[]): Promise<PriceAlertState[]> {
  if (firings.length === 0) return [];
  const rows = await em.execute<AlertRow[]>(
    `update trading.price_alerts a set
       status = case when a.repeat then 'active' else 'triggered' end,
       triggered_at = f.at,
       triggered_price = f.price,
       times_triggered = a.times_triggered + 1,
       rearm_at = case when a.repeat then f.at + a.cooldown_seconds * interval '1 second' else null end
     from jsonb_to_recordset(?::jsonb) as f(id uuid, price numeric, at timestamptz)
     where a.id = any(?::uuid[]) and a.id = f.id and a.status = 'active'
       and (a.rearm_at is null or a.rearm_at <= f.at)
       and (a.expires_at is null or a.expires_at > f.at)
     returning ${COLUMNS.split(', ')
       .map((column) => `a.${column}`)
       .join(', ')}`,
    [JSON.stringify(firings.map((f) => ({ id: f.id, price: f.price, at: f.at.toISOString() }))), uuidArray(firings.map((f) => f.id))],
  );
  return rows.map(alertState);
}

/** Marks the active alerts whose expiry passed as expired; returns their ids. */
export async function expireAlerts(em: EntityManager): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `update trading.price_alerts set status = 'expired', rearm_at = null where status = 'active' and expires_at <= now() returning id`,
  );
  return rows.map((row) => row.id);
}
