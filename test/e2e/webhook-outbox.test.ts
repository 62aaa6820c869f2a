import { MikroORM } from '@mikro-orm/postgresql';
import pino from 'pino';
import { WebhookOutboxRelay, createWebhookOutboxSql, recordWebhookEvents, webhookEvent, type WebhookEvent } from '@tradegraph/shared';
import { eventually } from '../harness/client';
import { DATABASE_URL } from '../harness/env';

// The transactional outbox every producing subgraph uses (shared/src/outbox.ts), on the test
// system's real Postgres, in a schema of its own so the running system's relays never see it.
const SCHEMA = `outbox_test_${process.pid}`;
const logger = pino({ level: 'silent' });
let orm: MikroORM;

beforeAll(async () => {
  orm = await MikroORM.init({ clientUrl: DATABASE_URL, entities: [], discovery: { warnWhenNoEntities: false }, allowGlobalContext: false });
  const connection = orm.em.getConnection();
  await connection.execute(`drop schema if exists ${SCHEMA} cascade`);
  await connection.execute(`create schema ${SCHEMA}`);
  await connection.execute(createWebhookOutboxSql(SCHEMA));
});

afterAll(async () => {
  await orm.em.getConnection().execute(`drop schema if exists ${SCHEMA} cascade`);
  await orm.close();
});

const rowsLeft = async () => Number((await orm.em.getConnection().execute(`select count(*) as n from ${SCHEMA}.webhook_outbox`))[0].n);
const event = (n: number) => webhookEvent('trade.fill', '00000000-0000-4000-8000-000000000001', { n });

describe('the webhook outbox', () => {
  it('records events only when the transaction that holds them commits', async () => {
    await orm.em.fork().transactional(async (tx) => recordWebhookEvents(tx, SCHEMA, [event(1), event(2)]));
    await expect(
      orm.em.fork().transactional(async (tx) => {
        await recordWebhookEvents(tx, SCHEMA, [event(3)]);
        throw new Error('the fact failed');
      }),
    ).rejects.toThrow('the fact failed');
    const rows = await orm.em.getConnection().execute(`select events from ${SCHEMA}.webhook_outbox`);
    expect(rows.flatMap((row: { events: WebhookEvent[] }) => row.events.map((e) => e.data.n))).toEqual([1, 2]);
    await orm.em.getConnection().execute(`delete from ${SCHEMA}.webhook_outbox`);
  });

  it('keeps events while accounts refuses them and deletes them only once accepted', async () => {
    const received: WebhookEvent[] = [];
    let refuse = 3;
    const relay = new WebhookOutboxRelay(
      orm,
      SCHEMA,
      async (events) => {
        if (refuse-- > 0) throw new Error('accounts is away');
        received.push(...events);
      },
      logger,
      10,
    );
    await orm.em.fork().transactional(async (tx) => recordWebhookEvents(tx, SCHEMA, [event(1), event(2), event(3)]));
    relay.start();
    relay.kick();
    await eventually(async () => expect(received).toHaveLength(3), 15_000);
    await relay.stop();
    expect(received.map((e) => e.data.n)).toEqual([1, 2, 3]);
    expect(await rowsLeft()).toBe(0);
  });

  it('lets two relays drain one outbox side by side without posting a row twice', async () => {
    const seen: string[] = [];
    const slowSend = async (events: WebhookEvent[]) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(...events.map((e) => e.id));
    };
    const batches = Array.from({ length: 500 }, (_, i) => [event(2 * i), event(2 * i + 1)]);
    for (let i = 0; i < batches.length; i += 100) {
      await orm.em.fork().transactional(async (tx) => {
        for (const batch of batches.slice(i, i + 100)) await recordWebhookEvents(tx, SCHEMA, batch);
      });
    }
    const relays = [1, 2].map(() => new WebhookOutboxRelay(orm, SCHEMA, slowSend, logger, 5));
    for (const relay of relays) relay.start();
    for (const relay of relays) relay.kick();
    await eventually(async () => expect(seen.length).toBeGreaterThanOrEqual(1000), 30_000);
    await Promise.all(relays.map((relay) => relay.stop()));
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(await rowsLeft()).toBe(0);
  });
});
