import { randomUUID } from 'node:crypto';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT_TYPE,
  decodeCursor,
  pageSize,
  toConnection,
  type Connection,
  type EntityManager,
  type Viewer,
  type WebhookEvent,
} from '@tradegraph/shared';
import { DomainError } from '@tradegraph/shared/domain';
import {
  MAX_WEBHOOK_ENDPOINTS_PER_USER,
  ownsEndpoint,
  validDescription,
  validGraceSeconds,
  validSelections,
  type WebhookEndpointStatus,
} from '../domain/webhooks/endpoints';
import { newWebhookSecret } from '../domain/webhooks/signing';
import { sealSecret } from '../domain/webhooks/secrets';
import { checkResolvedAddresses, isIpLiteral, parseWebhookUrl } from '../domain/webhooks/targets';
import { badInput, notFound } from '../domain/errors';
import { WebhookEndpointRecord } from '../infra/entities/webhooks';
import { resolveHost } from '../infra/webhook-sender';
import {
  attemptsOf,
  deliveriesOf,
  deliveryById,
  insertWebhookEvent,
  queueDelivery,
  releaseHeldDeliveries,
  storeWebhookEvents,
  webhookEventOf,
  type AttemptRow,
  type DeliveryRow,
} from '../infra/webhook-store';
import type { Caller } from './caller';
import type { WebhookSettings } from './settings';
import type { WebhookServices } from './services';

/** Use cases of webhook endpoints and deliveries (README, "Webhooks"). */

type Ctx = Pick<Caller, 'em' | 'logger' | 'services'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_ENDPOINT = 'You have no webhook endpoint with this id';

export interface DeliveryWithAttempts extends DeliveryRow {
  attemptLog: AttemptRow[];
}

/** The URL as it will be requested, refused (BAD_USER_INPUT) when the rules forbid it, its host resolved and checked. */
async function checkedUrl(raw: string, settings: WebhookSettings): Promise<string> {
  const url = parseWebhookUrl(raw, settings.rules);
  if (!settings.rules.allowPrivate && !isIpLiteral(url.hostname)) {
    let addresses: string[];
    try {
      addresses = await resolveHost(url.hostname);
    } catch {
      throw badInput(`The host ${url.hostname} could not be resolved`, 'url');
    }
    checkResolvedAddresses(url.hostname, addresses, settings.rules);
  }
  return url.toString();
}

async function ownedEndpoint(ctx: Ctx, viewer: Viewer, id: string): Promise<WebhookEndpointRecord> {
  if (!UUID.test(id)) throw notFound(NO_ENDPOINT);
  const endpoint = await ctx.em.findOne(WebhookEndpointRecord, { id });
  // Someone else's endpoint answers exactly as a missing one: its existence is not told.
  if (!endpoint || !ownsEndpoint(viewer, endpoint)) throw notFound(NO_ENDPOINT);
  return endpoint;
}

function wake(services: WebhookServices): void {
  services.worker.wake();
  services.wakeups.announce();
}

export interface NewWebhookEndpoint {
  url: string;
  events: string[];
  description?: string | null;
}

/** A new endpoint of the viewer (of its application, for an API key); the secret is in this answer only. */
export async function createWebhookEndpoint(ctx: Ctx, viewer: Viewer, input: NewWebhookEndpoint): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
  const settings = ctx.services.settings.webhooks;
  const events = validSelections(input.events);
  const description = validDescription(input.description);
  const url = await checkedUrl(input.url, settings);
  const held = await ctx.em.count(WebhookEndpointRecord, { userId: viewer.userId });
  if (held >= MAX_WEBHOOK_ENDPOINTS_PER_USER) {
    throw new DomainError('LIMIT_EXCEEDED', `At most ${MAX_WEBHOOK_ENDPOINTS_PER_USER} webhook endpoints per account; delete one first`, {
      limit: MAX_WEBHOOK_ENDPOINTS_PER_USER,
    });
  }
  const id = randomUUID();
  const secret = newWebhookSecret();
  const sealed = sealSecret(settings.keyring, secret, id);
  const now = new Date();
  const endpoint = ctx.em.create(WebhookEndpointRecord, {
    id,
    userId: viewer.userId,
    apiKeyId: viewer.apiKeyId ?? null,
    url,
    description,
    events,
    status: 'active',
    secretKeyId: sealed.keyId,
    secret: sealed.blob,
    previousSecretKeyId: null,
    previousSecret: null,
    previousSecretExpiresAt: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  });
  await ctx.em.persistAndFlush(endpoint);
  ctx.logger.info({ userId: viewer.userId, endpointId: id, apiKeyId: viewer.apiKeyId }, 'webhook endpoint created');
  return { endpoint, secret };
}

export async function updateWebhookEndpoint(ctx: Ctx, viewer: Viewer, id: string, input: { url?: string | null; events?: string[] | null; description?: string | null }): Promise<WebhookEndpointRecord> {
  const endpoint = await ownedEndpoint(ctx, viewer, id);
  // Everything checked before anything changes.
  const events = input.events != null ? validSelections(input.events) : undefined;
  const description = input.description != null ? validDescription(input.description) : undefined;
  const url = input.url != null ? await checkedUrl(input.url, ctx.services.settings.webhooks) : undefined;
  if (events) endpoint.events = events;
  if (description !== undefined) endpoint.description = description;
  if (url) endpoint.url = url;
  endpoint.updatedAt = new Date();
  await ctx.em.flush();
  return endpoint;
}

export async function pauseWebhookEndpoint(ctx: Ctx, viewer: Viewer, id: string): Promise<WebhookEndpointRecord> {
  const endpoint = await ownedEndpoint(ctx, viewer, id);
  endpoint.status = 'paused';
  endpoint.updatedAt = new Date();
  await ctx.em.flush();
  return endpoint;
}

/** Active again (from paused or failing); deliveries held while it was paused become due now. */
export async function resumeWebhookEndpoint(ctx: Ctx, viewer: Viewer, id: string): Promise<WebhookEndpointRecord> {
  const endpoint = await ownedEndpoint(ctx, viewer, id);
  await ctx.em.transactional(async (em) => {
    const changed = await em.nativeUpdate(WebhookEndpointRecord, { id }, { status: 'active', failingSince: null, updatedAt: new Date() });
    if (changed) await releaseHeldDeliveries(em, id, ctx.services.settings.webhooks.schedule.giveUpAfterMs);
  });
  await ctx.em.refresh(endpoint);
  wake(ctx.services.webhookDelivery);
  return endpoint;
}

/** A new secret; the old one keeps signing beside it for `graceSeconds` (default 24 h). */
export async function rotateWebhookEndpointSecret(ctx: Ctx, viewer: Viewer, id: string, graceSeconds?: number | null): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
  const grace = validGraceSeconds(graceSeconds);
  const endpoint = await ownedEndpoint(ctx, viewer, id);
  const secret = newWebhookSecret();
  const sealed = sealSecret(ctx.services.settings.webhooks.keyring, secret, id);
  endpoint.previousSecretKeyId = grace > 0 ? endpoint.secretKeyId : null;
  endpoint.previousSecret = grace > 0 ? endpoint.secret : null;
  endpoint.previousSecretExpiresAt = grace > 0 ? new Date(Date.now() + grace * 1000) : null;
  endpoint.secretKeyId = sealed.keyId;
  endpoint.secret = sealed.blob;
  endpoint.updatedAt = new Date();
  await ctx.em.flush();
  ctx.logger.info({ userId: viewer.userId, endpointId: id, graceSeconds: grace }, 'webhook secret rotated');
  return { endpoint, secret };
}

export async function deleteWebhookEndpoint(ctx: Ctx, viewer: Viewer, id: string): Promise<string> {
  const endpoint = await ownedEndpoint(ctx, viewer, id);
  await ctx.em.removeAndFlush(endpoint);
  return id;
}

/** The viewer's endpoints (an application's key: only those it made), oldest first. */
export async function webhookEndpointsOf(ctx: Ctx, viewer: Viewer): Promise<WebhookEndpointRecord[]> {
  return ctx.em.find(
    WebhookEndpointRecord,
    { userId: viewer.userId, ...(viewer.apiKeyId ? { apiKeyId: viewer.apiKeyId } : {}) },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
}

export async function webhookEndpointOf(ctx: Ctx, viewer: Viewer, id: string): Promise<WebhookEndpointRecord> {
  return ownedEndpoint(ctx, viewer, id);
}

export type DeliveryStatus = 'pending' | 'held' | 'succeeded' | 'failed' | 'abandoned';

async function withAttempts(em: EntityManager, rows: DeliveryRow[]): Promise<DeliveryWithAttempts[]> {
  const attempts = await attemptsOf(em, rows.map((row) => row.id));
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.deliveryId) ?? [];
    list.push(attempt);
    byDelivery.set(attempt.deliveryId, list);
  }
  return rows.map((row) => ({ ...row, attemptLog: byDelivery.get(row.id) ?? [] }));
}

/** An endpoint's deliveries with their attempts, newest first. The caller owns the endpoint (checked by the field's parent). */
export async function deliveriesOfEndpoint(
  ctx: Ctx,
  endpoint: Pick<WebhookEndpointRecord, 'id'>,
  first?: number | null,
  after?: string | null,
  status?: DeliveryStatus | null,
): Promise<Connection<DeliveryWithAttempts>> {
  const size = pageSize(first, 20);
  const cursor = decodeCursor(after);
  let position: { createdAt: string; id: string } | undefined;
  if (cursor) {
    const [createdAt, id] = cursor.split('|');
    if (!createdAt || Number.isNaN(Date.parse(createdAt)) || !UUID.test(id ?? '')) throw badInput('after is not a cursor from this list', 'after');
    position = { createdAt, id };
  }
  const rows = await deliveriesOf(ctx.em, endpoint.id, size + 1, position, status ?? undefined);
  const page = await withAttempts(ctx.em, rows.slice(0, size));
  return toConnection([...page, ...rows.slice(size).map((row) => ({ ...row, attemptLog: [] }))], size, (row) => `${row.createdAt}|${row.id}`, Boolean(cursor));
}

async function deliveryAnswer(ctx: Ctx, id: string): Promise<DeliveryWithAttempts> {
  const row = await deliveryById(ctx.em, id);
  if (!row) throw notFound('The delivery is gone (its endpoint was deleted)');
  return (await withAttempts(ctx.em, [row]))[0];
}

/** A new delivery of a stored event to one of the viewer's endpoints (the event must be about the endpoint's owner). */
export async function redeliverWebhookEvent(ctx: Ctx, viewer: Viewer, eventId: string, endpointId: string): Promise<DeliveryWithAttempts> {
  const endpoint = await ownedEndpoint(ctx, viewer, endpointId);
  const event = UUID.test(eventId) ? await webhookEventOf(ctx.em, eventId) : undefined;
  if (!event || event.userId !== endpoint.userId) throw notFound('You have no webhook event with this id');
  const id = await queueDelivery(ctx.em, event.id, endpoint.id, 'redelivery', endpoint.status === 'paused', ctx.services.settings.webhooks.schedule.giveUpAfterMs);
  wake(ctx.services.webhookDelivery);
  return deliveryAnswer(ctx, id);
}

/** A `webhook.test` event, delivered to this endpoint only (whatever it selected). */
export async function sendTestWebhook(ctx: Ctx, viewer: Viewer, endpointId: string): Promise<DeliveryWithAttempts> {
  const endpoint = await ownedEndpoint(ctx, viewer, endpointId);
  const event = {
    id: randomUUID(),
    type: WEBHOOK_TEST_EVENT_TYPE,
    userId: endpoint.userId,
    createdAt: new Date().toISOString(),
    data: { endpointId: endpoint.id, message: 'This is a test event from Tradegraph.' },
  };
  let deliveryId = '';
  await ctx.em.transactional(async (em) => {
    await insertWebhookEvent(em, event);
    deliveryId = await queueDelivery(em, event.id, endpoint.id, 'test', endpoint.status === 'paused', ctx.services.settings.webhooks.schedule.giveUpAfterMs);
  });
  wake(ctx.services.webhookDelivery);
  return deliveryAnswer(ctx, deliveryId);
}

export const webhookEventTypes = (): string[] => [...WEBHOOK_EVENT_TYPES];

/** The ingest of events from every subgraph's outbox relay: stores each once and fans it out, then wakes the workers. */
export async function ingestWebhookEvents(
  em: EntityManager,
  services: { settings: { webhooks: WebhookSettings }; webhookDelivery: WebhookServices },
  events: readonly WebhookEvent[],
): Promise<{ stored: number; deliveries: number }> {
  if (events.length === 0) return { stored: 0, deliveries: 0 };
  const result = await storeWebhookEvents(em, events, services.settings.webhooks.schedule.giveUpAfterMs);
  if (result.deliveries > 0) wake(services.webhookDelivery);
  return result;
}

export type { WebhookEndpointStatus };
