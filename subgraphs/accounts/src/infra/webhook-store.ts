import type { EntityManager, WebhookEvent } from '@tradegraph/shared';

/**
 * The SQL of webhook events, deliveries and attempts (tables: Migration20261207100001). The
 * statements are set-based so that the cost per event stays flat: one statement stores a batch
 * of events and fans it out to every endpoint that selected them, one claims a batch of due
 * deliveries, one records a batch of attempts.
 */

const ms = (value: number) => Math.max(0, Math.round(value));

/** The fan-out condition: the endpoint selected the type, by name, by family or with `*`. */
const SELECTS = `('*' = any(p.events) or s.type = any(p.events) or split_part(s.type, '.', 1) || '.*' = any(p.events))`;

/**
 * Stores events not stored yet (by id) that some endpoint of their user selected — the others
 * (most of matching's trade events: few users have endpoints) are acknowledged and dropped, so
 * they cost the database nothing — and, in the same statement, makes one delivery of each
 * new event per endpoint of its user that selected its type: active endpoints get pending
 * deliveries, paused ones held deliveries, failing ones none. Endpoints made by an API key that
 * is revoked or expired get none. An `account.webhook_failing` event never goes to the endpoint
 * it is about.
 */
export async function storeWebhookEvents(em: EntityManager, events: readonly WebhookEvent[], giveUpAfterMs: number): Promise<{ stored: number; deliveries: number }> {
  const [row] = await em.execute<{ stored: number; deliveries: number }[]>(
    `with incoming as (
       select distinct on (id) id, type, "userId", "createdAt", data
         from jsonb_to_recordset(?::jsonb) as e(id uuid, type text, "userId" uuid, "createdAt" timestamptz, data jsonb)
     ), stored as (
       insert into accounts.webhook_events (id, type, user_id, created_at, data)
       select id, type, "userId", "createdAt", data from incoming s
        where exists (select 1 from accounts.webhook_endpoints p where p.user_id = s."userId" and p.status <> 'failing' and ${SELECTS})
       on conflict (id) do nothing
       returning id, type, user_id, data
     ), fanned as (
       insert into accounts.webhook_deliveries (event_id, endpoint_id, status, give_up_at)
       select s.id, p.id, case when p.status = 'paused' then 'held' else 'pending' end, now() + ?::bigint * interval '1 millisecond'
         from stored s
         join accounts.webhook_endpoints p on p.user_id = s.user_id and p.status <> 'failing'
        where ${SELECTS}
          and not (s.type = 'account.webhook_failing' and s.data ->> 'endpointId' = p.id::text)
          and (p.api_key_id is null or exists (
                select 1 from accounts.api_keys k
                 where k.id = p.api_key_id and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())))
       on conflict do nothing
       returning 1
     )
     select (select count(*) from stored)::int as stored, (select count(*) from fanned)::int as deliveries`,
    [JSON.stringify(events), ms(giveUpAfterMs)],
  );
  return { stored: Number(row.stored), deliveries: Number(row.deliveries) };
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  giveUpAt: string;
  eventId: string;
  eventType: string;
  /** ISO 8601, UTC, milliseconds. */
  eventCreatedAt: string;
  /** The event's data as JSON text. */
  eventData: string;
  endpointId: string;
  url: string;
  endpointStatus: string;
  secretKeyId: string;
  secret: Buffer;
  previousSecretKeyId: string | null;
  previousSecret: Buffer | null;
  previousSecretExpiresAt: string | null;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Claims up to `limit` due deliveries for `leaseMs`: each gets its next attempt number now, so
 * an attempt is sent by one worker only — rows another worker holds are skipped (`SKIP
 * LOCKED` while claiming, `locked_until` while sending). A worker that dies mid-send leaves its
 * rows locked until the lease ends; then another claims them under a new attempt number.
 * No endpoint gets more than `perEndpoint` of the claim, nor anything while it already has
 * `perEndpoint` requests in flight (in any process): a slow endpoint cannot take every worker.
 */
export async function claimDueDeliveries(em: EntityManager, limit: number, leaseMs: number, perEndpoint: number): Promise<ClaimedDelivery[]> {
  return em.execute<ClaimedDelivery[]>(
    `with busy as (
       select endpoint_id from accounts.webhook_deliveries
        where locked_until > now()
        group by endpoint_id having count(*) >= ?
     ), candidates as (
       select id, row_number() over (partition by endpoint_id order by next_attempt_at) as nth
         from (select id, endpoint_id, next_attempt_at from accounts.webhook_deliveries
                where status = 'pending' and next_attempt_at <= now() and (locked_until is null or locked_until < now())
                  and endpoint_id not in (select endpoint_id from busy)
                order by next_attempt_at
                limit ?) c
     ), due as (
       select d.id from accounts.webhook_deliveries d join candidates c on c.id = d.id
        where c.nth <= ? and d.status = 'pending' and (d.locked_until is null or d.locked_until < now())
        order by d.next_attempt_at
        limit ?
        for update of d skip locked
     ), claimed as (
       update accounts.webhook_deliveries d
          set locked_until = now() + ?::bigint * interval '1 millisecond', attempts = d.attempts + 1
         from due where d.id = due.id
       returning d.id, d.event_id, d.endpoint_id, d.attempts, d.give_up_at
     )
     select c.id, c.attempts as attempt, to_char(c.give_up_at at time zone 'UTC', ${ISO}) as "giveUpAt",
            e.id as "eventId", e.type as "eventType", to_char(e.created_at at time zone 'UTC', ${ISO}) as "eventCreatedAt",
            e.data::text as "eventData",
            p.id as "endpointId", p.url, p.status as "endpointStatus", p.secret_key_id as "secretKeyId", p.secret,
            p.previous_secret_key_id as "previousSecretKeyId", p.previous_secret as "previousSecret",
            to_char(p.previous_secret_expires_at at time zone 'UTC', ${ISO}) as "previousSecretExpiresAt"
       from claimed c
       join accounts.webhook_events e on e.id = c.event_id
       join accounts.webhook_endpoints p on p.id = c.endpoint_id`,
    [perEndpoint, limit * 4, perEndpoint, limit, ms(leaseMs)],
  );
}

/**
 * What one attempt came to, as recorded. Not sent, the attempt number given back: `held` (the
 * endpoint was paused meanwhile) and `deferred` (pending again at `nextAttemptAt`: the worker
 * already had as many requests in flight to that endpoint as one endpoint may take).
 */
export interface AttemptRecord {
  id: string;
  attempt: number;
  status: 'pending' | 'held' | 'deferred' | 'succeeded' | 'failed' | 'abandoned';
  nextAttemptAt: string | null;
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  excerpt: string | null;
}

/**
 * Records attempts and their deliveries' new state in one statement. A result whose delivery was
 * claimed again meanwhile (the lease ran out: attempts moved on) still logs its attempt but
 * does not change the delivery; one whose delivery is gone (its endpoint deleted) is dropped.
 */
export async function recordAttempts(em: EntityManager, results: readonly AttemptRecord[]): Promise<void> {
  if (results.length === 0) return;
  await em.execute(
    `with r as (
       select * from jsonb_to_recordset(?::jsonb) as r(id uuid, attempt int, status text, "nextAttemptAt" timestamptz, "startedAt" timestamptz,
                                                       "statusCode" int, "latencyMs" int, error text, excerpt text)
     ), logged as (
       insert into accounts.webhook_attempts (delivery_id, attempt, started_at, status_code, latency_ms, error, response_excerpt)
       select r.id, r.attempt, r."startedAt", r."statusCode", r."latencyMs", r.error, r.excerpt
         from r join accounts.webhook_deliveries d on d.id = r.id
        where r.status not in ('held', 'deferred')
       on conflict do nothing
     )
     update accounts.webhook_deliveries d
        set status = case when r.status = 'deferred' then 'pending' else r.status end,
            attempts = case when r.status in ('held', 'deferred') then d.attempts - 1 else d.attempts end,
            next_attempt_at = coalesce(r."nextAttemptAt", d.next_attempt_at),
            locked_until = null,
            last_status_code = case when r.status in ('held', 'deferred') then d.last_status_code else r."statusCode" end,
            last_error = case when r.status in ('held', 'deferred') then d.last_error else r.error end,
            finished_at = case when r.status in ('succeeded', 'failed', 'abandoned') then now() end
       from r
      where d.id = r.id and d.attempts = r.attempt`,
    [JSON.stringify(results)],
  );
}

/**
 * Marks endpoints FAILING (those still active; one already failing, paused or deleted is left
 * as it is) and returns those it changed, so that their owners are told once.
 */
export async function markEndpointsFailing(em: EntityManager, endpointIds: readonly string[]): Promise<{ id: string; userId: string; url: string; apiKeyId: string | null }[]> {
  if (endpointIds.length === 0) return [];
  return em.execute(
    `update accounts.webhook_endpoints set status = 'failing', failing_since = now(), updated_at = now()
      where id in (select jsonb_array_elements_text(?::jsonb)::uuid) and status = 'active'
      returning id, user_id as "userId", url, api_key_id as "apiKeyId"`,
    [JSON.stringify([...new Set(endpointIds)])],
  );
}

/** Held deliveries of an endpoint become due now (it was resumed), with a fresh give-up time. */
export async function releaseHeldDeliveries(em: EntityManager, endpointId: string, giveUpAfterMs: number): Promise<number> {
  const rows = await em.execute<{ n: number }[]>(
    `with released as (
       update accounts.webhook_deliveries
          set status = 'pending', next_attempt_at = now(), give_up_at = now() + ?::bigint * interval '1 millisecond'
        where endpoint_id = ? and status = 'held'
       returning 1
     ) select count(*)::int as n from released`,
    [ms(giveUpAfterMs), endpointId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** A new delivery of a stored event to one endpoint (a redelivery or a test send); pending or held as the endpoint is. */
export async function queueDelivery(
  em: EntityManager,
  eventId: string,
  endpointId: string,
  kind: 'redelivery' | 'test',
  held: boolean,
  giveUpAfterMs: number,
): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(
    `insert into accounts.webhook_deliveries (event_id, endpoint_id, kind, status, give_up_at)
     values (?, ?, ?, ?, now() + ?::bigint * interval '1 millisecond') returning id`,
    [eventId, endpointId, kind, held ? 'held' : 'pending', ms(giveUpAfterMs)],
  );
  return row.id;
}

/** Stores one event directly (a test event, made here rather than by a producer). */
export async function insertWebhookEvent(em: EntityManager, event: { id: string; type: string; userId: string; createdAt: string; data: object }): Promise<void> {
  await em.execute('insert into accounts.webhook_events (id, type, user_id, created_at, data) values (?, ?, ?, ?, ?::jsonb)', [
    event.id,
    event.type,
    event.userId,
    event.createdAt,
    JSON.stringify(event.data),
  ]);
}

export async function webhookEventOf(em: EntityManager, eventId: string): Promise<{ id: string; userId: string; type: string } | undefined> {
  const [row] = await em.execute<{ id: string; userId: string; type: string }[]>(
    'select id, user_id as "userId", type from accounts.webhook_events where id = ?',
    [eventId],
  );
  return row;
}

export interface DeliveryRow {
  id: string;
  eventId: string;
  eventType: string;
  eventCreatedAt: string;
  eventData: string;
  endpointId: string;
  kind: string;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface AttemptRow {
  deliveryId: string;
  attempt: number;
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

const DELIVERY_COLUMNS = `d.id, d.event_id as "eventId", e.type as "eventType", to_char(e.created_at at time zone 'UTC', ${ISO}) as "eventCreatedAt",
  e.data::text as "eventData", d.endpoint_id as "endpointId", d.kind, d.status, d.attempts,
  to_char(d.next_attempt_at at time zone 'UTC', ${ISO}) as "nextAttemptAt", d.last_status_code as "lastStatusCode", d.last_error as "lastError",
  to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt",
  to_char(d.finished_at at time zone 'UTC', ${ISO}) as "finishedAt"`;

/** An endpoint's deliveries, newest first, after the keyset cursor (createdAt, id), at most `limit`. */
export async function deliveriesOf(
  em: EntityManager,
  endpointId: string,
  limit: number,
  after: { createdAt: string; id: string } | undefined,
  status: string | undefined,
): Promise<DeliveryRow[]> {
  const params: unknown[] = [endpointId];
  let filter = '';
  if (status) {
    filter += ' and d.status = ?';
    params.push(status);
  }
  if (after) {
    filter += ' and (d.created_at, d.id) < (?::timestamptz, ?::uuid)';
    params.push(after.createdAt, after.id);
  }
  params.push(limit);
  return em.execute<DeliveryRow[]>(
    `select ${DELIVERY_COLUMNS}
       from accounts.webhook_deliveries d join accounts.webhook_events e on e.id = d.event_id
      where d.endpoint_id = ?${filter}
      order by d.created_at desc, d.id desc
      limit ?`,
    params,
  );
}

export async function deliveryById(em: EntityManager, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await em.execute<DeliveryRow[]>(
    `select ${DELIVERY_COLUMNS} from accounts.webhook_deliveries d join accounts.webhook_events e on e.id = d.event_id where d.id = ?`,
    [id],
  );
  return row;
}

/** The attempts of these deliveries, in order. */
export async function attemptsOf(em: EntityManager, deliveryIds: readonly string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  return em.execute<AttemptRow[]>(
    `select delivery_id as "deliveryId", attempt, to_char(started_at at time zone 'UTC', ${ISO}) as "startedAt", status_code as "statusCode",
            latency_ms as "latencyMs", error, response_excerpt as "responseExcerpt"
       from accounts.webhook_attempts where delivery_id in (select jsonb_array_elements_text(?::jsonb)::uuid) order by delivery_id, attempt`,
    [JSON.stringify(deliveryIds)],
  );
}
