import express from 'express';
import { z } from 'zod';
import { WEBHOOK_EVENTS_PATH, WEBHOOK_EVENT_TYPES, isInternalCaller, type SubgraphPlatform, type WebhookEventsAccepted, type WebhookEventType } from '@tradegraph/shared';
import { ingestWebhookEvents } from '../app/webhooks';
import type { AccountsServices } from '../app/services';

/** Events in one post at most (a relay pass sends up to 200 outbox rows, each a producer's batch). */
const MAX_EVENTS = 100_000;

const eventSchema = z.object({
  id: z.uuid(),
  type: z.enum(WEBHOOK_EVENT_TYPES as [WebhookEventType, ...WebhookEventType[]]),
  userId: z.uuid(),
  createdAt: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});
const requestSchema = z.object({ events: z.array(eventSchema).max(MAX_EVENTS) });

/**
 * `POST /internal/webhooks/events` (shared/src/contracts/webhook-events.ts): every subgraph's
 * outbox relay hands its events over here. Internal credential required. A body that does not
 * match the contract is refused whole (400, nothing stored); otherwise the events are stored
 * once each and fanned out to the endpoints that selected them in one statement, and the answer
 * (200 `{stored}`) comes after it committed, so the relay deletes its rows only then.
 */
export function webhookEventsRoute(app: express.Express, { orm, logger }: SubgraphPlatform, services: AccountsServices): void {
  app.post(WEBHOOK_EVENTS_PATH, express.json({ limit: '50mb' }), async (req, res) => {
    if (!isInternalCaller(req.headers)) return void res.status(403).json({ error: 'not an internal caller' });
    const parsed = requestSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return void res.status(400).json({ error: `malformed webhook events: ${issue.path.join('.')}: ${issue.message}` });
    }
    try {
      const { stored, deliveries } = await ingestWebhookEvents(orm.em.fork(), services, parsed.data.events);
      logger.debug({ received: parsed.data.events.length, stored, deliveries }, 'webhook events stored');
      const answer: WebhookEventsAccepted = { stored };
      res.json(answer);
    } catch (error) {
      logger.error({ err: error }, 'storing webhook events failed');
      res.status(503).json({ error: 'not stored; send again' });
    }
  });
}
