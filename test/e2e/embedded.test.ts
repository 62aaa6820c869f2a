import { Client } from 'pg';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { collect, credit, eventually, gql, placeOrder, signUp, wsClient } from '../harness/client';
import { ownSystem } from '../harness/env';
import { EmbeddedSystem } from '../harness/embedded';

// `npm start` with no DATABASE_URL and no REDIS_URL: one process on an embedded PostgreSQL server
// in a data folder, in-process pub/sub, the simulated price feed. Started exactly as a user
// would; stopped with real signals, then started again on the same data.
const { portBase: PORT_BASE } = ownSystem(2000, 'embedded');

describe('npm start on the embedded defaults', () => {
  const system = new EmbeddedSystem(PORT_BASE);
  const url = `${system.gateway}/graphql`;

  beforeAll(() => system.start('npm', { PRICE_FEED_INTERVAL_MS: '100' }), 180000);
  afterAll(() => system.dispose(), 60000);

  it('runs in one process on an embedded PostgreSQL server and ends its start-up with one human line', () => {
    expect(system.output).toContain('embedded PostgreSQL started');
    const lines = system.output.trimEnd().split('\n');
    const human = lines.findIndex((line) => line.startsWith('Tradegraph is running (embedded'));
    expect(human).toBeGreaterThan(0);
    expect(lines[human]).toContain(`playground http://127.0.0.1:${PORT_BASE}/`);
    expect(lines.slice(human + 1).join('\n')).toMatch(/database: postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(embedded PostgreSQL/);
    expect(lines.slice(human + 1).join('\n')).toContain(
      `chains:   ethereum http://127.0.0.1:${PORT_BASE + 545}, arbitrum http://127.0.0.1:${PORT_BASE + 546} (local hardhat nodes)`,
    );
    // Start-up is quiet: no warnings or errors, whatever order the subgraphs came up in.
    expect(system.logLines().filter((line) => line.level >= 40)).toEqual([]);
  });

  it('answers /health (alive) and /ready (every subgraph ready) on the gateway', async () => {
    expect((await fetch(`${system.gateway}/health`)).status).toBe(200);
    const ready = await (await fetch(`${system.gateway}/ready`)).json();
    expect(ready).toEqual({
      status: 'ready',
      service: 'gateway',
      subgraphs: { accounts: 'ready', markets: 'ready', trading: 'ready', funding: 'ready', analytics: 'ready', matching: 'ready' },
    });
  });

  it('serves a query that crosses subgraphs', async () => {
    const result = await gql('{ markets(category: crypto) { edges { node { symbol baseAsset { name } orderBook { bids { price } } } } } }', {}, { url });
    expect(result.errors).toBeUndefined();
    const markets = result.data.markets.edges.map((e: any) => e.node);
    expect(markets.find((m: any) => m.symbol === 'BTC-USDT')).toEqual({ symbol: 'BTC-USDT', baseAsset: { name: 'Bitcoin' }, orderBook: { bids: [] } });
  });

  it('serves a subscription fed by the simulated price feed, with fields from another subgraph', async () => {
    const client = wsClient(undefined, `ws://127.0.0.1:${PORT_BASE}/graphql`);
    const prices = collect(client, 'subscription { priceUpdated(market: "ETH-USDT") { price at market { symbol orderBook { asks { price } } } } }');
    await prices.waitFor(2, 20000);
    for (const result of prices.results.slice(0, 2)) {
      expect(result.errors).toBeUndefined();
      expect(result.data.priceUpdated.market).toEqual({ symbol: 'ETH-USDT', orderBook: { asks: [] } });
      expect(result.data.priceUpdated.price).toMatch(/^\d+(\.\d{1,2})?$/); // on the 0.01 tick
    }
    prices.unsubscribe();
    await client.dispose();
  });

  it('lets an outside PostgreSQL client read the data while the system runs', async () => {
    const password = readFileSync(path.join(system.dataDir, 'postgres.password'), 'utf8').trim();
    const db = new Client({ host: '127.0.0.1', port: PORT_BASE + 432, user: 'postgres', password, database: 'postgres' });
    await db.connect();
    const { rows } = await db.query("select symbol from markets.markets where symbol = 'BTC-USDT'");
    expect(rows).toEqual([{ symbol: 'BTC-USDT' }]);
    await db.end();
  });

  it('runs its own two local chains: a devnet faucet payment becomes a credited deposit as blocks are mined', async () => {
    const user = await signUp(url);
    const paid = await gql('mutation { devnetFaucet(chain: "arbitrum", asset: "USDC", amount: "42") { txHash } }', {}, { token: user.token, url });
    expect(paid.errors).toBeUndefined();
    // The local chains mine a block a second (DEVNET_BLOCK_MS), so the 2 confirmations come by themselves.
    const deposit = await eventually(
      async () => {
        const result = await gql('{ myDeposits { edges { node { status txHash creditedAmount confirmations } } } }', {}, { token: user.token, url });
        const found = result.data.myDeposits.edges[0]?.node;
        if (found?.status !== 'credited') throw new Error(`deposit: ${JSON.stringify(found)}`);
        return found;
      },
      30000,
      200,
    );
    expect(deposit).toMatchObject({ txHash: paid.data.devnetFaucet.txHash.toLowerCase(), creditedAmount: '42' });
    const balances = await gql('{ myBalances { asset available } }', {}, { token: user.token, url });
    expect(balances.data.myBalances).toEqual([{ asset: 'USDC', available: '42' }]);
  });

  it('stops in order on SIGTERM (WebSockets told 1001, snapshot written, database stopped) and restarts from that snapshot', async () => {
    const user = await signUp(url);
    await credit(user.token, 'USDT', '10000', url);
    await placeOrder(user.token, { market: 'BTC-USDT', side: 'buy', type: 'limit', price: '50000', quantity: '0.01', clientOrderId: 'rest-1' }, url);
    const before = await gql('{ orderBook(market: "BTC-USDT") { sequence bids { price quantity } } }', {}, { url });
    expect(before.data.orderBook.bids).toEqual([{ price: '50000', quantity: '0.01' }]);

    // A client with an open WebSocket is told the server is going away.
    const closed = new Promise<number>((resolve) => {
      const client = wsClient(user.token, `ws://127.0.0.1:${PORT_BASE}/graphql`, { on: { closed: (event: any) => resolve(event.code) } });
      collect(client, 'subscription { myOrderUpdates { id } }');
    });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const { ms } = await system.stop('SIGTERM');
    expect(await closed).toBe(1001);
    const lines = system.logLines();
    const stopped = lines.find((line) => line.msg === 'engine stopped with a snapshot');
    expect(stopped?.seq).toBeGreaterThan(0);
    expect(lines.some((line) => line.msg === 'stopped' && line.service === 'start')).toBe(true);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(ms).toBeLessThan(20000); // bounded by SHUTDOWN_TIMEOUT_MS, not killed

    // The node process itself, then SIGINT (a terminal's Ctrl-C): it starts from the snapshot
    // with nothing to replay, the book's numbering goes on from the journal, and it exits 0.
    await system.start('node');
    const restored = system.logLines().find((line) => line.msg === 'engine restored');
    expect(restored).toMatchObject({ snapshotSeq: stopped.seq, replayed: 0, seq: stopped.seq });
    const after = await gql('{ orderBook(market: "BTC-USDT") { sequence bids { price quantity } } }', {}, { url });
    expect(after.data.orderBook.bids).toEqual(before.data.orderBook.bids);
    expect(after.data.orderBook.sequence).toBeGreaterThanOrEqual(stopped.seq);
    expect(after.data.orderBook.sequence).toBeGreaterThan(before.data.orderBook.sequence);

    const exit = await system.stop('SIGINT');
    expect(exit.code).toBe(0);
    expect(system.logLines().some((line) => line.msg === 'engine stopped with a snapshot')).toBe(true);
  });
});
