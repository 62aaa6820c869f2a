import { collect, credit, eventually, gql, signUp, wsClient } from '../harness/client';
import { ownSystem } from '../harness/env';
import { SupervisedSystem } from '../harness/launcher';

// The multi-process `npm start` (DATABASE_URL and REDIS_URL set) supervises its processes: a
// subgraph killed outright is restarted while the rest of the graph keeps answering; a process
// that keeps crashing stops the whole system; SIGTERM stops everything in order, exit 0.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(6300, 'supervised');

describe('npm start with DATABASE_URL and REDIS_URL, supervised', () => {
  // Two crashes of one process within a minute are allowed, a third is a crash loop.
  const system = new SupervisedSystem(PORT_BASE, DATABASE, { RESTART_MAX_CRASHES: '2', RESTART_MIN_BACKOFF_MS: '200' });
  const url = `${system.gateway}/graphql`;

  beforeAll(() => system.start(), 150000);
  afterAll(() => system.dispose(), 60000);

  it('ends its start-up with one human line naming the mode, database and Redis', () => {
    const human = system.output.split('\n').find((line) => line.startsWith('Tradegraph is running ('));
    expect(human).toContain('one process per service');
    expect(system.output).toContain(`database: postgres://postgres@127.0.0.1:5432/${DATABASE}`);
    expect(system.output).toMatch(/redis: +redis:\/\/127\.0\.0\.1:6379/);
    // CHAINS unset: the launcher started the local pair funding watches.
    expect(system.output).toContain(
      `chains:   ethereum http://127.0.0.1:${PORT_BASE + 545}, arbitrum http://127.0.0.1:${PORT_BASE + 546} (local hardhat nodes)`,
    );
  });

  it('restarts a killed subgraph while the rest of the graph answers; its fields say SUBGRAPH_UNAVAILABLE meanwhile', async () => {
    const user = await signUp(url);
    await credit(user.token, 'USDT', '100', url);
    // A page size of its own each time, so no cached answer of markets can stand in for it.
    let page = 1;
    const both = () => `{ me { id } markets(first: ${(page += 1)}) { edges { node { symbol } } } }`;
    expect((await gql(both(), {}, { token: user.token, url })).errors).toBeUndefined();

    // A live subscription on the subgraph that goes away ends with an error a client can retry on.
    const client = wsClient(user.token, `ws://127.0.0.1:${PORT_BASE}/graphql`);
    const ticker = collect(client, 'subscription { tickerUpdated(market: "BTC-USDT") { last } }');
    await new Promise((resolve) => setTimeout(resolve, 500));

    const pid = system.pidOf('markets')!;
    expect(pid).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');

    // Meanwhile: accounts' and matching's fields answer; markets' fields fail with a clear code.
    // (markets is a non-null field: its error empties the whole answer, so each part is asked alone.)
    const during = await gql(`{ markets(first: ${(page += 1)}) { edges { node { symbol } } } }`, {}, { token: user.token, url });
    expect(during.errors?.map((e: any) => e.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(during.errors?.[0].message).not.toMatch(/127\.0\.0\.1|http:/);
    expect((await gql('{ me { id } }', {}, { token: user.token, url })).data.me).toEqual({ id: user.id });
    const balances = await gql('{ myBalances { asset available } }', {}, { token: user.token, url });
    expect(balances.data.myBalances).toEqual([{ asset: 'USDT', available: '100' }]);
    await eventually(async () => expect(ticker.completed || ticker.error !== undefined).toBe(true), 10000);
    expect(ticker.results.at(-1)?.errors?.[0].extensions?.code).toBe('UPSTREAM_CLOSED');

    // Restarted by the supervisor (a new process), and its fields work again.
    await eventually(async () => expect((await gql(both(), {}, { token: user.token, url })).errors).toBeUndefined(), 60000, 200);
    const recoveredMs = Date.now() - killedAt;
    expect(system.pidOf('markets')).not.toBe(pid);
    expect(system.output).toContain('process exited; restarting it');
    console.log(`markets killed: its fields answered again after ${recoveredMs} ms`);
    await client.dispose();
  });

  it('stops the whole system when one process keeps crashing (exit 1, nothing left running)', async () => {
    // The restart above was the first crash; two more within the window make a loop.
    for (let crash = 0; crash < 2; crash += 1) {
      const pid = await eventually(async () => {
        const found = system.pidOf('markets');
        expect(found).toBeDefined();
        return found!;
      }, 30000);
      process.kill(pid, 'SIGKILL');
      if (crash === 0) await eventually(async () => expect(system.pidOf('markets')).not.toBe(pid), 30000);
    }
    expect(await system.exited(60000)).toBe(1);
    expect(system.output).toContain('crash loop');
  });
});

describe('npm start with DATABASE_URL and REDIS_URL, stopped with SIGTERM', () => {
  const { portBase, database } = ownSystem(6400, 'supervised_stop');
  const system = new SupervisedSystem(portBase, database);

  beforeAll(() => system.start(), 150000);
  afterAll(() => system.dispose(), 60000);

  it('stops every process in order and exits 0', async () => {
    const startedAt = Date.now();
    expect(await system.stop('SIGTERM')).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(30000);
    const lines = system.output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const stopped = lines.filter((line) => line.msg === 'stopped').map((line) => line.service).sort();
    expect(stopped).toEqual(['accounts', 'analytics', 'funding', 'gateway', 'markets', 'matching', 'start', 'trading']);
    expect(lines.some((line) => line.msg === 'engine stopped with a snapshot')).toBe(true);
    expect(system.output).not.toContain('restarting it');
    // The local chains it started are gone too.
    for (const port of [portBase + 545, portBase + 546]) {
      await expect(fetch(`http://127.0.0.1:${port}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    }
  });
});
