import { DomainError } from '@tradegraph/shared/domain';
import { isWebhookSelection } from '@tradegraph/shared/contracts';

/** Rules of webhook endpoints as their owners make and change them. */

/** Endpoints one owner (a user, an application's key counted with its user) may hold. */
export const MAX_WEBHOOK_ENDPOINTS_PER_USER = 20;
export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_SELECTIONS = 50;
/** Rotation grace: old and new secrets both sign for this long (default 24 h, at most 7 days). */
export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 86_400;

/**
 * ACTIVE endpoints receive; PAUSED ones (their owner's choice) get deliveries that are held until
 * they are resumed; FAILING ones (a delivery was abandoned) get none until resumed — their
 * events stay stored and can be redelivered by id.
 */
export type WebhookEndpointStatus = 'active' | 'paused' | 'failing';

const badInput = (message: string, field: string) => new DomainError('BAD_USER_INPUT', message, { field });

/** The event selections, each a type, a `family.*` or `*`; deduplicated, in the order given. */
export function validSelections(raw: readonly string[]): string[] {
  const selections = [...new Set(raw.map((selection) => selection.trim()))];
  if (selections.length === 0) throw badInput('Select at least one event type (e.g. "trade.*" or "*")', 'events');
  if (selections.length > MAX_SELECTIONS) throw badInput(`At most ${MAX_SELECTIONS} event selections`, 'events');
  const unknown = selections.filter((selection) => !isWebhookSelection(selection));
  if (unknown.length > 0) {
    throw badInput(`Unknown event types: ${unknown.join(', ')} (see webhookEventTypes; a family is "family.*", everything "*")`, 'events');
  }
  return selections;
}

export function validDescription(raw: string | null | undefined): string {
  const description = (raw ?? '').trim();
  if (description.length > MAX_DESCRIPTION_LENGTH) throw badInput(`The description is at most ${MAX_DESCRIPTION_LENGTH} characters`, 'description');
  return description;
}

export function validGraceSeconds(raw: number | null | undefined): number {
  const grace = raw ?? DEFAULT_ROTATION_GRACE_SECONDS;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_ROTATION_GRACE_SECONDS) {
    throw badInput(`graceSeconds must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS}`, 'graceSeconds');
  }
  return grace;
}

/** Who owns an endpoint: the user, and when an application's key made it, that key. */
export interface EndpointOwner {
  userId: string;
  apiKeyId: string | null;
}

/**
 * Whether `viewer` may see and change an endpoint: its user's own session sees all of them; an
 * API key sees only those its application made.
 */
export function ownsEndpoint(viewer: { userId: string; apiKeyId?: string | null }, endpoint: EndpointOwner): boolean {
  if (viewer.userId !== endpoint.userId) return false;
  return !viewer.apiKeyId || viewer.apiKeyId === endpoint.apiKeyId;
}
