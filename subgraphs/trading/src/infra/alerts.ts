import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@tradegraph/shared';
import type { AlertCondition } from '../domain/alerts';
import { PriceAlertRecord } from './entities';

/** How many active alerts a user holds now. */
export function countActiveAlerts(em: EntityManager, userId: string): Promise<number> {
  return em.count(PriceAlertRecord, { userId, status: 'active' });
}

/** Stores a new active alert. */
export async function insertAlert(
  em: EntityManager,
  alert: { userId: string; market: string; condition: AlertCondition; price: string },
): Promise<PriceAlertRecord> {
  const record = em.create(PriceAlertRecord, { id: randomUUID(), ...alert, status: 'active', createdAt: new Date(), triggeredAt: null });
  await em.persistAndFlush(record);
  return record;
}
