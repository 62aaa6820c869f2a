import type { AlertTriggeredEvent, WebhookEvent } from '@tradegraph/shared';
import { AlertEngine } from '../src/app/alert-engine';
import type { AlertRow } from '../src/infra';

// The alert engine against a stand-in for Postgres that applies the statements' rules (the
// conditional update of a firing, loading rows): what is written, what is announced, and what
// the index keeps when a write fails or another process fired first. The real statements run
// in test/e2e/price-alerts.test.ts.

const T0 = Date.parse('2026-12-07T12:00:00Z');
const [A, B, C, R, X] = [1, 2, 3, 4, 5].map((n) => `00000000-0000-4000-8000-00000000000${n}`);

function row(fields: Partial<AlertRow> & Pick<AlertRow, 'id'>): AlertRow {
  return {
    user_id: 'u1',
    market: 'BTC-USDT',
    kind: 'ABOVE',
    price: '100',
    percent: null,
    window: null,
    repeat: false,
    cooldown_seconds: null,
    expires_at: null,
    status: 'active',
    created_at: new Date(T0 - 1000),
    triggered_at: null,
    triggered_price: null,
    times_triggered: 0,
    rearm_at: null,
    ...fields,
  };
}

function database(rows: AlertRow[]) {
  const table = new Map(rows.map((r) => [r.id, { ...r }]));
  const recorded: WebhookEvent<object>[][] = [];
  let failures = 0;
  let statements = 0;
  const em: any = {
    async transactional(work: (tx: unknown) => Promise<void>) {
      if (failures > 0) {
        failures -= 1;
        throw new Error('connection refused');
      }
      await work(em);
    },
    async execute(sql: string, params: unknown[] = []) {
      statements += 1;
      if (sql.includes('jsonb_to_recordset')) {
        const firings = JSON.parse(params[0] as string) as { id: string; price: string; at: string }[];
        const changed: AlertRow[] = [];
        for (const firing of firings) {
          const r = table.get(firing.id);
          const at = new Date(firing.at);
          if (!r || r.status !== 'active' || (r.rearm_at && r.rearm_at > at) || (r.expires_at && r.expires_at <= at)) continue;
          r.status = r.repeat ? 'active' : 'triggered';
          r.triggered_at = at;
          r.triggered_price = firing.price;
          r.times_triggered += 1;
          r.rearm_at = r.repeat ? new Date(at.getTime() + r.cooldown_seconds! * 1000) : null;
          changed.push({ ...r });
        }
        return changed;
      }
      if (sql.includes('where id = any(')) {
        const ids = (params[0] as string).slice(1, -1).split(',');
        return ids.flatMap((id) => (table.has(id) ? [{ ...table.get(id)! }] : []));
      }
      if (sql.startsWith('select')) return [...table.values()].filter((r) => r.status === 'active').map((r) => ({ ...r }));
      if (sql.includes("set status = 'expired'")) return [];
      throw new Error(`unexpected statement ${sql}`);
    },
  };
  return {
    em,
    table,
    recorded,
    failNext: (count: number) => (failures = count),
    get statements() {
      return statements;
    },
  };
}

function engineOn(db: ReturnType<typeof database>, clock: { now: number }) {
  const announced: AlertTriggeredEvent[] = [];
  let committed = 0;
  const engine = new AlertEngine({
    em: () => db.em,
    webhooks: {
      record: async (_em, events) => void db.recorded.push([...events]),
      committed: () => void (committed += 1),
    },
    announcer: { triggered: (event: AlertTriggeredEvent) => announced.push(event), changed: () => undefined } as never,
    logger: { warn: () => undefined, info: () => undefined } as never,
    follow: () => undefined,
    now: () => clock.now,
  });
  return {
    engine,
    announced,
    get committed() {
      return committed;
    },
  };
}

const tick = (price: string, at: number) => ({ market: 'BTC-USDT', price, at: new Date(at).toISOString() });

async function settled(engine: AlertEngine, check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
  await engine.stop();
}

describe('the alert engine', () => {
  it('loads active alerts, fires at the crossing tick, records the webhook event in the same transaction, announces once', async () => {
    const db = database([row({ id: A, price: '100' }), row({ id: B, price: '200' }), row({ id: C, status: 'cancelled' })]);
    const clock = { now: T0 };
    const counts = engineOn(db, clock);
    const { engine, announced } = counts;
    expect(await engine.load()).toEqual(['BTC-USDT']);
    expect(engine.index.size).toBe(2);
    engine.onPrice(tick('150', T0), 'BTC-USDT');
    await settled(engine, () => announced.length === 1);
    expect(announced[0]).toMatchObject({
      price: '150',
      priceAt: new Date(T0).toISOString(),
      alert: { id: A, status: 'triggered', triggeredPrice: '150', timesTriggered: 1 },
    });
    expect(db.recorded).toEqual([[expect.objectContaining({ type: 'alert.triggered', userId: 'u1', data: announced[0] })]]);
    expect(counts.committed).toBe(1);
    expect(engine.index.size).toBe(1);
  });

  it('ignores malformed prices and ticks older than the market last one', async () => {
    const db = database([row({ id: A, price: '100' })]);
    const { engine, announced } = engineOn(db, { now: T0 });
    await engine.load();
    engine.onPrice(tick('150', T0 + 10), 'BTC-USDT');
    engine.onPrice({ market: 'BTC-USDT', price: 150 as never, at: new Date(T0).toISOString() }, 'BTC-USDT');
    await settled(engine, () => announced.length === 1);
    const stale = database([row({ id: X, price: '100' })]);
    const second = engineOn(stale, { now: T0 });
    await second.engine.load();
    second.engine.onPrice(tick('50', T0 + 10), 'BTC-USDT');
    for (const bad of [tick('150', T0), tick('1e9', T0 + 20), tick('-5', T0 + 30), { market: 'BTC-USDT', price: '150', at: 'yesterday' }]) {
      second.engine.onPrice(bad, 'BTC-USDT');
    }
    expect(second.engine.unwritten).toBe(0);
    expect(second.engine.index.size).toBe(1);
  });

  it('keeps a batch whose write failed and writes it again: the alert fires once, with the price that crossed', async () => {
    const db = database([row({ id: A, price: '100' })]);
    const { engine, announced } = engineOn(db, { now: T0 });
    await engine.load();
    db.failNext(2);
    engine.onPrice(tick('101', T0), 'BTC-USDT');
    engine.onPrice(tick('105', T0 + 1), 'BTC-USDT');
    await settled(engine, () => announced.length === 1);
    expect(announced.map((event) => [event.alert.id, event.price])).toEqual([[A, '101']]);
    expect(db.table.get(A)).toMatchObject({ status: 'triggered', triggered_price: '101', times_triggered: 1 });
    expect(db.recorded).toHaveLength(1);
  });

  it('announces nothing for an alert another process fired first, and drops it from the index', async () => {
    const db = database([row({ id: A, price: '100' }), row({ id: R, price: '100', repeat: true, cooldown_seconds: 60 })]);
    const clock = { now: T0 };
    const { engine, announced } = engineOn(db, clock);
    await engine.load();
    // The other process's firing, already committed.
    Object.assign(db.table.get(A)!, { status: 'triggered', times_triggered: 1 });
    Object.assign(db.table.get(R)!, { times_triggered: 1, rearm_at: new Date(T0 + 60_000) });
    engine.onPrice(tick('120', T0), 'BTC-USDT');
    await settled(engine, () => engine.unwritten === 0 && !engine.index.has(A));
    expect(announced).toEqual([]);
    // The repeating one stays, held until the other process's re-arm time.
    expect(engine.index.has(R)).toBe(true);
    expect(engine.index.heldCount).toBe(1);
  });

  it('holds a repeating alert for its cool-down after firing, then fires it again', async () => {
    const db = database([row({ id: R, price: '100', repeat: true, cooldown_seconds: 60 })]);
    const clock = { now: T0 };
    const { engine, announced } = engineOn(db, clock);
    await engine.load();
    engine.onPrice(tick('120', T0), 'BTC-USDT');
    for (let i = 0; i < 200 && engine.index.heldCount === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(announced[0].alert).toMatchObject({ status: 'active', timesTriggered: 1, rearmsAt: new Date(T0 + 60_000).toISOString() });
    clock.now = T0 + 59_999;
    engine.onPrice(tick('130', T0 + 59_999), 'BTC-USDT');
    clock.now = T0 + 60_000;
    engine.onPrice(tick('125', T0 + 60_000), 'BTC-USDT');
    await settled(engine, () => announced.length === 2);
    expect(announced.map((event) => [event.price, event.alert.timesTriggered])).toEqual([
      ['120', 1],
      ['125', 2],
    ]);
  });
});
