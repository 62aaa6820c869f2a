import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType, DateTimeScalar } from '@tradegraph/shared';

export enum WebhookEndpointStatus {
  ACTIVE = 'active',
  PAUSED = 'paused',
  FAILING = 'failing',
}
registerEnumType(WebhookEndpointStatus, {
  name: 'WebhookEndpointStatus',
  description:
    'ACTIVE: receives events. PAUSED: events are kept for it and delivered when resumed. FAILING: a delivery was abandoned after its retry schedule; it receives nothing until resumed (events meanwhile can be redelivered by id)',
});

export enum WebhookDeliveryStatus {
  PENDING = 'pending',
  HELD = 'held',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  ABANDONED = 'abandoned',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description:
    'PENDING: to be sent (again); HELD: waiting for its paused endpoint; SUCCEEDED: a 2xx answer; FAILED: an answer that is not retried (4xx other than 429, 3xx); ABANDONED: still failing at the end of the retry schedule',
});

@ObjectType({ description: 'Where events are POSTed, signed with the endpoint’s secret (see the README, *Webhooks*)' })
export class WebhookEndpoint {
  @Field(() => ID) id!: string;
  @Field() url!: string;
  @Field() description!: string;
  @Field(() => [String], { description: 'Selected event types: a type (trade.fill), a family (trade.*) or * for all' }) events!: string[];
  @Field(() => WebhookEndpointStatus) status!: WebhookEndpointStatus;
  @Field(() => ID, { nullable: true, description: 'The API key (application) that made the endpoint; null when made by the user' })
  apiKeyId!: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Until when the previous secret still signs, after a rotation' })
  previousSecretExpiresAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) failingSince!: Date | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar) updatedAt!: Date;
}

@ObjectType({ description: 'An endpoint and its signing secret, shown only in this answer' })
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint) endpoint!: WebhookEndpoint;
  @Field({ description: 'Verify Tradegraph-Signature with it (HMAC-SHA256 of "<timestamp>.<body>")' }) secret!: string;
}

@ObjectType({ description: 'One request of a delivery, and what the receiver answered' })
export class WebhookAttempt {
  @Field(() => Int, { description: '1 for the first' }) attempt!: number;
  @Field(() => DateTimeScalar) at!: Date;
  @Field(() => Int, { nullable: true, description: 'The HTTP status; null when there was no answer (see error)' }) statusCode!: number | null;
  @Field(() => Int) latencyMs!: number;
  @Field(() => String, { nullable: true, description: 'Timeout, connection error, refused target, …' }) error!: string | null;
  @Field(() => String, { nullable: true, description: 'The first bytes of the response body' }) responseExcerpt!: string | null;
}

@ObjectType({ description: 'An event on its way to one endpoint' })
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID) eventId!: string;
  @Field() eventType!: string;
  @Field(() => DateTimeScalar) eventCreatedAt!: Date;
  @Field({ description: 'The JSON body sent: {id, type, createdAt, data}' }) body!: string;
  @Field(() => ID) endpointId!: string;
  @Field({ description: 'event, redelivery or test' }) kind!: string;
  @Field(() => WebhookDeliveryStatus) status!: WebhookDeliveryStatus;
  @Field(() => Int) attemptCount!: number;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it is tried next (pending only)' }) nextAttemptAt!: Date | null;
  @Field(() => Int, { nullable: true }) lastStatusCode!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { nullable: true }) finishedAt!: Date | null;
  @Field(() => [WebhookAttempt]) attempts!: WebhookAttempt[];
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDelivery, 'WebhookDelivery');

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'https://… (http only outside production)' }) url!: string;
  @Field(() => [String], { description: 'Event types, families (trade.*) or *; see webhookEventTypes' }) events!: string[];
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [String], { nullable: true }) events?: string[] | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}
