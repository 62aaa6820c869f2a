import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access, requireScope, type Connection } from '@tradegraph/shared';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  deliveriesOfEndpoint,
  pauseWebhookEndpoint,
  redeliverWebhookEvent,
  resumeWebhookEndpoint,
  rotateWebhookEndpointSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
  webhookEndpointOf,
  webhookEndpointsOf,
  webhookEventTypes,
  type DeliveryWithAttempts,
} from '../app/webhooks';
import type { WebhookEndpointRecord } from '../infra/entities/webhooks';
import type { Context } from './context';
import {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointStatus,
  WebhookEndpointWithSecret,
} from './webhook-types';

@ArgsType()
class DeliveryPage {
  @Field(() => Int, { nullable: true }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
  @Field(() => WebhookDeliveryStatus, { nullable: true }) status?: WebhookDeliveryStatus;
}

function endpointView(record: WebhookEndpointRecord): WebhookEndpoint {
  return {
    id: record.id,
    url: record.url,
    description: record.description,
    events: record.events,
    status: record.status as WebhookEndpointStatus,
    apiKeyId: record.apiKeyId,
    previousSecretExpiresAt: record.previousSecretExpiresAt && record.previousSecretExpiresAt > new Date() ? record.previousSecretExpiresAt : null,
    failingSince: record.failingSince,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

const date = (text: string | null) => (text ? new Date(text) : null);

function deliveryView(row: DeliveryWithAttempts): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    eventCreatedAt: new Date(row.eventCreatedAt),
    body: `{"id":${JSON.stringify(row.eventId)},"type":${JSON.stringify(row.eventType)},"createdAt":${JSON.stringify(row.eventCreatedAt)},"data":${JSON.stringify(JSON.parse(row.eventData))}}`,
    endpointId: row.endpointId,
    kind: row.kind,
    status: row.status as WebhookDeliveryStatus,
    attemptCount: row.attempts,
    nextAttemptAt: row.status === 'pending' ? date(row.nextAttemptAt) : null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: new Date(row.createdAt),
    finishedAt: date(row.finishedAt),
    attempts: row.attemptLog.map((attempt) => ({
      attempt: attempt.attempt,
      at: new Date(attempt.startedAt),
      statusCode: attempt.statusCode,
      latencyMs: attempt.latencyMs,
      error: attempt.error,
      responseExcerpt: attempt.responseExcerpt,
    })),
  };
}

/**
 * Webhook endpoints of the signed-in user, or of the application whose API key asks (an
 * application sees and changes only its own). Webhooks carry the account's data out, so every
 * field takes the `read` scope; someone else's endpoint answers NOT_FOUND, as a missing one.
 */
@Resolver(() => WebhookEndpoint)
export class WebhookResolver {
  @Access('public')
  @Query(() => [String], { description: 'Every webhook event type an endpoint can select (also selectable: a family, e.g. trade.*, or *)' })
  webhookEventTypes(): string[] {
    return webhookEventTypes();
  }

  @Access('read')
  @Query(() => [WebhookEndpoint], { description: 'Your webhook endpoints (an API key: its application’s), oldest first' })
  async webhookEndpoints(@Ctx() ctx: Context): Promise<WebhookEndpoint[]> {
    const viewer = requireScope(ctx.viewer, 'read');
    return (await webhookEndpointsOf(ctx, viewer)).map(endpointView);
  }

  @Access('read')
  @Query(() => WebhookEndpoint, { description: 'One of your webhook endpoints' })
  async webhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WebhookEndpoint> {
    const viewer = requireScope(ctx.viewer, 'read');
    return endpointView(await webhookEndpointOf(ctx, viewer, id));
  }

  @Access('read')
  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Deliveries to this endpoint with their attempts, newest first' })
  async deliveries(@Root() endpoint: WebhookEndpoint, @Args(() => DeliveryPage) { first, after, status }: DeliveryPage, @Ctx() ctx: Context): Promise<Connection<WebhookDelivery>> {
    // The endpoint came from a field that checked its owner; checked again, cheaply, for any future parent.
    const viewer = requireScope(ctx.viewer, 'read');
    await webhookEndpointOf(ctx, viewer, endpoint.id);
    const page = await deliveriesOfEndpoint(ctx, endpoint, first, after, status);
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: deliveryView(edge.node) })) };
  }

  @Access('read')
  @Mutation(() => WebhookEndpointWithSecret, { description: 'A new webhook endpoint; its signing secret is in this answer only' })
  async createWebhookEndpoint(@Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput, @Ctx() ctx: Context): Promise<WebhookEndpointWithSecret> {
    const viewer = requireScope(ctx.viewer, 'read');
    const { endpoint, secret } = await createWebhookEndpoint(ctx, viewer, input);
    return { endpoint: endpointView(endpoint), secret };
  }

  @Access('read')
  @Mutation(() => WebhookEndpoint, { description: 'Change the URL, the selected events or the description' })
  async updateWebhookEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<WebhookEndpoint> {
    const viewer = requireScope(ctx.viewer, 'read');
    return endpointView(await updateWebhookEndpoint(ctx, viewer, id, input));
  }

  @Access('read')
  @Mutation(() => WebhookEndpoint, { description: 'Stop sending; events are kept for the endpoint and sent when it is resumed' })
  async pauseWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WebhookEndpoint> {
    const viewer = requireScope(ctx.viewer, 'read');
    return endpointView(await pauseWebhookEndpoint(ctx, viewer, id));
  }

  @Access('read')
  @Mutation(() => WebhookEndpoint, { description: 'Send again (from PAUSED or FAILING); what was held while paused goes out now' })
  async resumeWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WebhookEndpoint> {
    const viewer = requireScope(ctx.viewer, 'read');
    return endpointView(await resumeWebhookEndpoint(ctx, viewer, id));
  }

  @Access('read')
  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'A new signing secret (in this answer only); the old one keeps signing beside it for graceSeconds (default 86400)',
  })
  async rotateWebhookEndpointSecret(
    @Arg('id', () => ID) id: string,
    @Arg('graceSeconds', () => Int, { nullable: true }) graceSeconds: number | null,
    @Ctx() ctx: Context,
  ): Promise<WebhookEndpointWithSecret> {
    const viewer = requireScope(ctx.viewer, 'read');
    const { endpoint, secret } = await rotateWebhookEndpointSecret(ctx, viewer, id, graceSeconds);
    return { endpoint: endpointView(endpoint), secret };
  }

  @Access('read')
  @Mutation(() => ID, { description: 'Delete an endpoint and its delivery log; returns its id' })
  async deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<string> {
    const viewer = requireScope(ctx.viewer, 'read');
    return deleteWebhookEndpoint(ctx, viewer, id);
  }

  @Access('read')
  @Mutation(() => WebhookDelivery, { description: 'Deliver a stored event to one of your endpoints again (a new delivery, whatever it selects)' })
  async redeliverWebhookEvent(@Arg('eventId', () => ID) eventId: string, @Arg('endpointId', () => ID) endpointId: string, @Ctx() ctx: Context): Promise<WebhookDelivery> {
    const viewer = requireScope(ctx.viewer, 'read');
    return deliveryView(await redeliverWebhookEvent(ctx, viewer, eventId, endpointId));
  }

  @Access('read')
  @Mutation(() => WebhookDelivery, { description: 'Send a webhook.test event to this endpoint only' })
  async sendTestWebhook(@Arg('endpointId', () => ID) endpointId: string, @Ctx() ctx: Context): Promise<WebhookDelivery> {
    const viewer = requireScope(ctx.viewer, 'read');
    return deliveryView(await sendTestWebhook(ctx, viewer, endpointId));
  }
}
