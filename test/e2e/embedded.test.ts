import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collect, gql, wsClient } from '../harness/client';
import { ownSystem } from '../harness/env';

const { waitForHealth, ROOT } = require('../harness/system');

// `npm start` with no DATABASE_URL and no REDIS_URL: one process, embedded PostgreSQL (PGlite)
// in a data folder, in-process pub/sub, the simulated price feed. Started exactly as a user would.
const { portBase: PORT_BASE } = ownSystem(2000, 'embedded');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}`;

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group is already gone
  }
}

/** Processes of process group `group` that still run (an exited one waiting to be reaped does not count). */
function liveProcessesIn(group: number): number {
  let live = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: the fields after the command's closing parenthesis.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === group && state !== 'Z') live += 1;
    } catch {
      // it ended between the listing and the read
    }
  }
  return live;
}
describe('npm start on the embedded defaults', () => {
  let child: ChildProcess;
  let dataDir: string;
  let output = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tradegraph-embedded-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT_BASE: String(PORT_BASE),
      DATA_DIR: dataDir,
      PRICE_FEED_INTERVAL_MS: '100',
    };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    for (const key of Object.keys(env)) if (key.startsWith('E2E_') || key.startsWith('JEST') || key.endsWith('_PORT')) delete env[key];
    child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    try {
      await waitForHealth(`${GATEWAY}/health`, child, 'npm start', 150000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
    }
  }, 180000);

  afterAll(async () => {
    if (child?.pid) {
      // The whole process group: npm, and the node process it started. npm exits at once; node
      // stops its services and closes PGlite's files after that, so the data folder can only be
      // removed once no process of the group is left.
      const group = child.pid;
      signalGroup(group, 'SIGTERM');
      const deadline = Date.now() + 20000;
      while (liveProcessesIn(group) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (liveProcessesIn(group) > 0) {
        signalGroup(group, 'SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  /** A failed request says what the process printed, and whether it is still running. */
  const withOutput = <T>(request: Promise<T>): Promise<T> =>
    request.catch((error: Error) => {
      throw new Error(
        `${error.message} (${String(error.cause ?? '')}); npm start ${child.exitCode === null ? 'still running' : `exited with ${child.exitCode}`}, its last output:\n${output.slice(-3000)}`,
      );
    });

  it('runs in one process on an embedded PostgreSQL', () => {
    expect(output).toContain('embedded PostgreSQL (PGlite) started');
    expect(output).toContain('Tradegraph is running (embedded)');
  });

  it('serves a query that crosses subgraphs', async () => {
    const result = await withOutput(
      gql(
        '{ markets(category: crypto) { edges { node { symbol baseAsset { name } orderBook { bids { price } } } } } }',
        {},
        { url: `${GATEWAY}/graphql` },
      ),
    );
    expect(result.errors).toBeUndefined();
    const markets = result.data.markets.edges.map((e: any) => e.node);
    expect(markets.map((m: any) => m.symbol)).toContain('BTC-USDT');
    expect(markets.find((m: any) => m.symbol === 'BTC-USDT')).toEqual({
      symbol: 'BTC-USDT',
      baseAsset: { name: 'Bitcoin' },
      orderBook: { bids: [] },
    });
  });

  it('serves a subscription fed by the simulated price feed, with fields from another subgraph', async () => {
    const client = wsClient(undefined, `ws://127.0.0.1:${PORT_BASE}/graphql`);
    const prices = collect(
      client,
      'subscription { priceUpdated(market: "ETH-USDT") { price at market { symbol orderBook { asks { price } } } } }',
    );
    await prices.waitFor(2, 20000);
    for (const result of prices.results.slice(0, 2)) {
      expect(result.errors).toBeUndefined();
      expect(result.data.priceUpdated.market).toEqual({ symbol: 'ETH-USDT', orderBook: { asks: [] } });
      expect(result.data.priceUpdated.price).toMatch(/^\d+(\.\d{1,2})?$/); // on the 0.01 tick
    }
    prices.unsubscribe();
    await client.dispose();
  });
});
