import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { collect, credit, eventually, gql, signUp, wsClient, type TestUser } from '../harness/client';
import { ownSystem } from '../harness/env';

const { startSystem, ROOT } = require('../harness/system');
const { startEmbeddedPostgres } = require('../../launcher/dist/embedded-postgres');

// Faults survived by the multi-process system, under a steady load of orders and a live
// subscription. The PostgreSQL server and the Redis here are this test's own (started on ports
// of its own, restarted by it), so no other test is disturbed. Each case prints what failed
// during the fault, how long recovery took and what was lost (nothing acknowledged may be).
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(6500, 'faults');
const PG_PORT = PORT_BASE + 432;
const REDIS_PORT = PORT_BASE + 379;
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

class OwnRedis {
  private process?: ChildProcess;
  readonly url = `redis://127.0.0.1:${REDIS_PORT}`;

  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await eventually(async () => {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        expect(await probe.ping()).toBe('PONG');
      } finally {
        probe.disconnect();
      }
    }, 10000);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

/** A steady stream of orders through the gateway: what was acknowledged, refused (and how), and how fast refusals came. */
class OrderLoad {
  acknowledged: { clientOrderId: string; id: string }[] = [];
  refused: { clientOrderId: string; code: string; ms: number }[] = [];
  private running = false;
  private sent = 0;
  private loop?: Promise<void>;

  constructor(
    private readonly user: TestUser,
    private readonly prefix: string,
  ) {}

  start(perSecond = 20): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const n = (this.sent += 1);
        void this.placeOne(n);
        await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
      }
    })();
  }

  private async placeOne(n: number): Promise<void> {
    const clientOrderId = `${this.prefix}-${n}`;
    const startedAt = Date.now();
    const side = 'buy';
    const price = '60000'; // buys only, into an empty ask side: they rest, nothing fills
    try {
      const result = await gql(
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { market: 'BTC-USDT', side, type: 'limit', price, quantity: '0.0001', clientOrderId } },
        { token: this.user.token, url: GATEWAY },
      );
      if (result.data?.placeOrder) this.acknowledged.push({ clientOrderId, id: result.data.placeOrder.id });
      else this.refused.push({ clientOrderId, code: result.errors?.[0]?.extensions?.code ?? 'NONE', ms: Date.now() - startedAt });
    } catch {
      this.refused.push({ clientOrderId, code: 'TRANSPORT', ms: Date.now() - startedAt });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the last ones come back
  }
}

describe('faults survived by the multi-process system', () => {
  let dataDir: string;
  let postgres: { url: string; stop(): Promise<void> };
  const redis = new OwnRedis();
  let system: any;
  let user: TestUser;

  const startPostgres = async () => {
    postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, logger: silentLogger });
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tradegraph-faults-'));
    chmodSync(dataDir, 0o755); // the embedded server's postgres user must reach it
    await startPostgres();
    await redis.start();
    system = await startSystem({
      databaseUrl: postgres.url,
      redisUrl: redis.url,
      database: DATABASE,
      portBase: PORT_BASE,
      logDir: path.join(ROOT, '.data', `e2e-logs-${PORT_BASE}`),
      services: ['accounts', 'markets', 'matching'],
    });
    user = await signUp(GATEWAY);
    await credit(user.token, 'USDT', '1000000', GATEWAY);
    await credit(user.token, 'BTC', '100', GATEWAY);
  }, 240000);

  afterAll(async () => {
    await system?.stop();
    await redis.stop();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120000);

  const alive = () => Object.values(system.children as Record<string, ChildProcess>).every((child) => child.exitCode === null && child.signalCode === null);

  it('PostgreSQL restarted: refusals are fast and say SERVICE_UNAVAILABLE, nothing half-written, recovery without restarting a process', async () => {
    const load = new OrderLoad(user, 'pg');
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await postgres.stop();
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await startPostgres();
    const upAt = Date.now();
    // Recovered: orders placed now are acknowledged.
    const before = load.acknowledged.length;
    await eventually(async () => expect(load.acknowledged.length).toBeGreaterThan(before + 5), 60000, 250);
    const recoveredMs = Date.now() - upAt;
    await load.stop();

    expect(alive()).toBe(true); // no process restarted
    expect(load.refused.length).toBeGreaterThan(0);
    // Every refusal is one a client can retry on, and none hung.
    expect(new Set(load.refused.map((r) => r.code))).toEqual(new Set(['SERVICE_UNAVAILABLE']));
    expect(Math.max(...load.refused.map((r) => r.ms))).toBeLessThan(15000);

    // Nothing half-written: every acknowledged order is in the journal's read model, no refused one is.
    const db = new Client({ connectionString: system.databaseUrl });
    await db.connect();
    const { rows } = await db.query('select client_order_id from matching.orders where user_id = $1', [user.id]);
    await db.end();
    const stored = new Set(rows.map((row) => row.client_order_id));
    expect(load.acknowledged.filter((o) => !stored.has(o.clientOrderId))).toEqual([]);
    expect(load.refused.filter((o) => stored.has(o.clientOrderId))).toEqual([]);
    // And the engine serves again, reads included.
    const balances = await gql('{ myBalances { asset locked } }', {}, { token: user.token, url: GATEWAY });
    expect(balances.errors).toBeUndefined();
    console.log(
      `PostgreSQL restart: down ${upAt - downAt} ms; ${load.refused.length} of ${load.refused.length + load.acknowledged.length} orders refused ` +
        `(SERVICE_UNAVAILABLE, slowest refusal ${Math.max(...load.refused.map((r) => r.ms))} ms); orders acknowledged again ${recoveredMs} ms after it was back; ` +
        `acknowledged and lost: 0; refused yet stored: 0`,
    );
  });

  it('Redis restarted: queries keep working and subscriptions resume within 5 s of its return', async () => {
    const client = wsClient(user.token, `ws://127.0.0.1:${PORT_BASE}/graphql`);
    const updates = collect(client, 'subscription { myOrderUpdates { clientOrderId status } }');
    const place = async (clientOrderId: string) =>
      gql(
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '60000', quantity: '0.0001', clientOrderId } },
        { token: user.token, url: GATEWAY },
      );
    const seen = (id: string) => updates.results.some((r) => r.data?.myOrderUpdates?.clientOrderId === id);
    await eventually(async () => {
      await place(`redis-before-${Date.now()}`);
      expect(updates.results.length).toBeGreaterThan(0);
    }, 10000, 500);

    await redis.stop();
    // Queries and orders keep working while Redis is away (events cannot go out meanwhile).
    const during: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const me = await gql('{ me { id } myBalances { asset } }', {}, { token: user.token, url: GATEWAY });
      expect(me.errors).toBeUndefined();
      const order = await place(`redis-during-${i}`);
      expect(order.errors).toBeUndefined();
      during.push(`redis-during-${i}`);
    }
    await redis.start();
    const upAt = Date.now();
    // Resumed: an order placed after the return is announced on the same subscription.
    let resumedMs = -1;
    await eventually(
      async () => {
        const id = `redis-after-${Date.now()}`;
        await place(id);
        await eventually(async () => expect(seen(id)).toBe(true), 1000, 50);
        resumedMs = Date.now() - upAt;
      },
      15000,
      100,
    );
    expect(resumedMs).toBeLessThan(5000);
    expect(updates.completed).toBe(false);
    // Events of the outage are delivered after it: the bus holds what it publishes while Redis is
    // away and sends it once its own subscriptions are renewed (matching serves myOrderUpdates).
    await eventually(async () => expect(during.filter(seen)).toEqual(during), 5000);
    const delivered = during.filter(seen);
    console.log(`Redis restart: subscription resumed ${resumedMs} ms after Redis was back; outage events delivered afterwards: ${delivered.length} of ${during.length}`);
    expect(alive()).toBe(true);
    await client.dispose();
  });

  it('the gateway killed and restarted: clients reconnect on their own, no state lost', async () => {
    const before = await gql('{ myBalances { asset available locked } }', {}, { token: user.token, url: GATEWAY });
    expect(before.errors).toBeUndefined();
    // graphql-ws's own retry: the client reconnects and resubscribes after the server went away.
    // By default it retries only after a close, not after a refused connection (the gateway still
    // down): a client that wants to outlast a restart says so with shouldRetry, as the README advises.
    const client = wsClient(user.token, `ws://127.0.0.1:${PORT_BASE}/graphql`, {
      retryAttempts: 200,
      shouldRetry: () => true,
      retryWait: async () => new Promise((r) => setTimeout(r, 250)),
    });
    const updates = collect(client, 'subscription { myOrderUpdates { clientOrderId } }');
    const placeAndSee = async (prefix: string) => {
      const clientOrderId = `${prefix}-${Date.now()}`;
      await gql(
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '60000', quantity: '0.0001', clientOrderId } },
        { token: user.token, url: GATEWAY },
      );
      await eventually(async () => expect(updates.results.some((r) => r.data?.myOrderUpdates?.clientOrderId === clientOrderId)).toBe(true), 1000, 50);
    };
    await eventually(() => placeAndSee('before-gateway'), 10000, 200);
    system.children.gateway.kill('SIGKILL');
    const killedAt = Date.now();
    await system.restart('gateway');
    await eventually(() => placeAndSee('after-gateway'), 30000, 200).catch((error) => {
      throw new Error(`${(error as Error).message}; subscription error ${JSON.stringify({ code: (updates.error as any)?.code, reason: (updates.error as any)?.reason, message: (updates.error as any)?.message })}, completed ${updates.completed}, results ${JSON.stringify(updates.results.slice(-3))}`);
    });
    expect(updates.error).toBeUndefined();
    console.log(`gateway killed: the client's subscription delivered again ${Date.now() - killedAt} ms later`);
    const after = await gql('{ myBalances { asset available locked } }', {}, { token: user.token, url: GATEWAY });
    // Only the orders placed since lock more; nothing else moved.
    expect(after.data.myBalances.map((b: any) => b.asset)).toEqual(before.data.myBalances.map((b: any) => b.asset));
    await client.dispose();
  });
});
