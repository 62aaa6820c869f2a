import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { collect, gql, wsClient } from '../harness/client';
import { ownSystem } from '../harness/env';
import { EmbeddedSystem } from '../harness/embedded';

// The embedded default under a concurrent mixed load for several minutes (SOAK_SECONDS, 180 by
// default): sign-ups, logins, 48 concurrent authenticated readers that check every answer is
// their own, orders that trade with each other, live subscriptions, and an outside PostgreSQL
// client connected to the embedded database the whole time. Zero failed requests, zero wrong
// answers, zero crashes. Bounded: every loop stops at the deadline; loopback only.
const { portBase: PORT_BASE } = ownSystem(6900, 'soak');
const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 180) * 1000;
const READERS = 48;
const USERS = 12;
const PASSWORD = 'correct horse battery staple';

interface Trader {
  id: string;
  email: string;
  token: string;
}

describe('the embedded default under a mixed load', () => {
  const system = new EmbeddedSystem(PORT_BASE);
  const url = `${system.gateway}/graphql`;
  const figures = { requests: 0, failed: [] as string[], wrong: [] as string[], signUps: 0, logins: 0, reads: 0, orders: 0, fills: 0, events: 0, sqlQueries: 0 };

  beforeAll(
    () =>
      system.start('node', {
        // A soak, not a rate-limit test: every client here talks from 127.0.0.1, far faster than a person.
        RATE_LIMIT_REQUESTS_PER_MINUTE: '100000000',
        RATE_LIMIT_COST_PER_MINUTE: '1000000000',
        RATE_LIMIT_MONEY_PER_MINUTE: '100000000',
        RATE_LIMIT_SIGNUPS_PER_MINUTE: '1000000',
        RATE_LIMIT_SIGNUP_PER_IP: '1000000',
        RATE_LIMIT_LOGIN_PER_IP: '1000000',
        PRICE_FEED_INTERVAL_MS: '200',
      }),
    180000,
  );
  afterAll(() => system.dispose(), 60000);

  /** One request; anything but a clean answer is a failure, with what it said. */
  const request = async (query: string, variables: Record<string, unknown>, token?: string, expectedCodes: string[] = []) => {
    figures.requests += 1;
    try {
      const result = await gql(query, variables, { token, url });
      if (result.errors?.every((e: any) => expectedCodes.includes(e.extensions?.code))) return result.data;
      if (result.errors) figures.failed.push(JSON.stringify(result.errors).slice(0, 300));
      return result.data;
    } catch (error) {
      figures.failed.push(`transport: ${(error as Error).message}`);
      return undefined;
    }
  };

  const signUpOne = async (): Promise<Trader | undefined> => {
    const email = `soak-${randomUUID()}@example.com`;
    const data = await request(
      'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken user { id } } }',
      { email, password: PASSWORD },
    );
    if (!data) return undefined;
    figures.signUps += 1;
    return { id: data.signUp.user.id, email, token: data.signUp.accessToken };
  };

  it(`holds for ${SOAK_MS / 1000} s with zero failed requests, zero wrong answers and no crash`, async () => {
    const traders = (await Promise.all(Array.from({ length: USERS }, signUpOne))).filter((t): t is Trader => !!t);
    expect(traders).toHaveLength(USERS);
    for (const trader of traders) {
      await request('mutation ($k: String!) { creditDemoFunds(asset: "USDT", amount: "1000000", idempotencyKey: $k) { available } }', { k: `u-${trader.id}` }, trader.token);
      await request('mutation ($k: String!) { creditDemoFunds(asset: "BTC", amount: "100", idempotencyKey: $k) { available } }', { k: `b-${trader.id}` }, trader.token);
    }

    // The analyst: an outside client on the embedded database for the whole run.
    const password = readFileSync(path.join(system.dataDir, 'postgres.password'), 'utf8').trim();
    const analyst = new Client({ host: '127.0.0.1', port: PORT_BASE + 432, user: 'postgres', password, database: 'postgres' });
    await analyst.connect();

    // Live data: each trader's order updates, and prices.
    const sockets = traders.map((trader) => wsClient(trader.token, `ws://127.0.0.1:${PORT_BASE}/graphql`));
    const orderStreams = traders.map((trader, i) => ({ trader, stream: collect(sockets[i], 'subscription { myOrderUpdates { id status } }') }));
    const priceClient = wsClient(undefined, `ws://127.0.0.1:${PORT_BASE}/graphql`);
    const prices = collect(priceClient, 'subscription { priceUpdated(markets: ["BTC-USDT", "ETH-USDT"]) { price } }');

    const deadline = Date.now() + SOAK_MS;
    const until = async (work: () => Promise<void>, pauseMs = 0) => {
      while (Date.now() < deadline) {
        await work();
        if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    };

    const readers = Array.from({ length: READERS }, (_, n) =>
      until(async () => {
        const trader = traders[n % traders.length];
        const data = await request('{ me { id email } myBalances { asset available locked } }', {}, trader.token);
        if (!data) return;
        figures.reads += 1;
        if (data.me?.id !== trader.id || data.me?.email !== trader.email) figures.wrong.push(`reader ${n} got ${JSON.stringify(data.me)}`);
        if (!data.myBalances?.some((b: any) => b.asset === 'USDT')) figures.wrong.push(`reader ${n}: no USDT balance`);
      }),
    );
    let orderNumber = 0;
    const orderers = Array.from({ length: 4 }, (_, n) =>
      until(async () => {
        // Buyers and sellers at one price: they fill each other (and cancel what rests, now and then).
        const trader = traders[(orderNumber += 1) % traders.length];
        const side = n % 2 === 0 ? 'buy' : 'sell';
        const data = await request(
          'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status filledQuantity } }',
          { input: { market: 'BTC-USDT', side, type: 'limit', price: '65000', quantity: '0.001', clientOrderId: `soak-${randomUUID()}` } },
          trader.token,
        );
        if (!data) return;
        figures.orders += 1;
        if (data.placeOrder.status === 'filled') figures.fills += 1;
        if (orderNumber % 10 === 0 && data.placeOrder.status === 'open') {
          // A fill may beat the cancel to the order: UNKNOWN_ORDER is then the right answer.
          await request('mutation ($id: ID!) { cancelOrder(id: $id) { status } }', { id: data.placeOrder.id }, trader.token, ['UNKNOWN_ORDER']);
        }
      }, 20),
    );
    const newcomers = until(async () => {
      await signUpOne();
    }, 2000);
    const logins = until(async () => {
      const trader = traders[figures.logins % traders.length];
      const data = await request(
        'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ... on AuthPayload { accessToken user { id } } } }',
        { email: trader.email, password: PASSWORD },
      );
      if (!data) return;
      figures.logins += 1;
      if (data.login.user?.id !== trader.id) figures.wrong.push(`login of ${trader.email} gave ${JSON.stringify(data.login)}`);
    }, 500);
    const sqlErrors: string[] = [];
    const analystReads = until(async () => {
      try {
        await analyst.query('select count(*) from matching.orders');
        await analyst.query('select count(*) from accounts.users');
        figures.sqlQueries += 2;
      } catch (error) {
        sqlErrors.push((error as Error).message);
      }
    }, 200);

    await Promise.all([...readers, ...orderers, newcomers, logins, analystReads]);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the last events arrive
    figures.events = orderStreams.reduce((sum, { stream }) => sum + stream.results.length, 0);
    const streamErrors = [...orderStreams.map(({ stream }) => stream), prices].filter((s) => s.error !== undefined || s.completed);
    for (const socket of [...sockets, priceClient]) await socket.dispose();
    const { rows } = await analyst.query('select count(*)::int as orders from matching.orders');
    await analyst.end();

    console.log(
      `soak ${SOAK_MS / 1000} s: ${figures.requests} requests (${Math.round(figures.requests / (SOAK_MS / 1000))}/s), ` +
        `${figures.reads} reads by ${READERS} readers, ${figures.orders} orders (${figures.fills} filled at once), ${figures.signUps} sign-ups, ` +
        `${figures.logins} logins, ${figures.events} order events and ${prices.results.length} price updates delivered, ` +
        `${figures.sqlQueries} outside SQL queries; failed ${figures.failed.length}, wrong ${figures.wrong.length}`,
    );
    expect(figures.failed.slice(0, 5)).toEqual([]);
    expect(figures.wrong.slice(0, 5)).toEqual([]);
    expect(sqlErrors.slice(0, 5)).toEqual([]);
    expect(streamErrors).toHaveLength(0);
    expect(system.running).toBe(true);
    expect(figures.fills).toBeGreaterThan(0);
    expect(figures.events).toBeGreaterThan(0);
    expect(prices.results.length).toBeGreaterThan(0);
    expect(rows[0].orders).toBeGreaterThanOrEqual(figures.orders);
    // Nothing the process logged was an error.
    expect(system.logLines().filter((line) => line.level >= 50)).toEqual([]);
  }, SOAK_MS + 120000);
});
