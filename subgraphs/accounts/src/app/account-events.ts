import { webhookEvent, type WebhookEvent, type WebhookEventType } from '@tradegraph/shared';
import type { Caller } from './caller';

/** An `account.*` webhook event about `userId` (docs/architecture.md, "Webhooks"). */
export const accountEvent = (type: Extract<WebhookEventType, `account.${string}`>, userId: string, data: object) => webhookEvent(type, userId, data);

/**
 * Runs `write` on the caller's unit of work inside one transaction that also records `events`
 * in accounts' webhook outbox: the events exist exactly when what they report does. With no
 * events it is `write` alone.
 */
export async function withAccountEvents<T>(ctx: Pick<Caller, 'em' | 'services'>, events: WebhookEvent<object>[], write: () => Promise<T>): Promise<T> {
  if (events.length === 0) return write();
  await ctx.em.begin();
  let result: T;
  try {
    result = await write();
    await ctx.services.webhooks.record(ctx.em, events);
    await ctx.em.commit();
  } catch (error) {
    await ctx.em.rollback();
    throw error;
  }
  ctx.services.webhooks.committed();
  return result;
}
