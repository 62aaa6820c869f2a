// Probe: where a placement's time goes, without the load generator's noise. Starts accounts,
// markets, matching and the gateway (bench/lib/common.js), signs up one user, then straight at
// the matching subgraph:
//   1. sequential: one client, PROBE_ORDERS × (placeOrder, then cancelOrder by clientOrderId),
//      each timed alone — the request path's latency with no queueing;
//   2. the same number of sequential `myBalances` reads (a request that touches no database),
//      and the same placements and cancels through the gateway;
//   3. concurrent: PROBE_CONCURRENCY clients in a closed loop placing and cancelling, with the
//      matching process's CPU time per order (place + cancel) over the phase; then as many pairs
//      of myBalances reads, the subgraph pipeline's floor for two requests;
//   4. PROBE_ORDERS sequential `_entities` fetches of every market's orderBook(depth: 10) (the
//      gateway's market list), with PROBE_BOOK_ORDERS (200) orders resting on BTC-USDT.
// Prints the figures and the load average; writes nothing to bench/results.
//
//   node bench/probes/order-latency.js
//   PROBE_CPU_PROF=/tmp/prof node bench/probes/order-latency.js   # matching restarted with --cpu-prof
//   PROBE_COMPARE_ROOT=/tmp/before node bench/probes/order-latency.js
//
// PROBE_COMPARE_ROOT names a built copy of another version (a checkout with `dist`, as for
// BENCH_SYSTEM_ROOT): matching is restarted from it and from this checkout in turn, on the same
// database and the same other processes, PROBE_ROUNDS times, so both versions are measured
// under the same neighbours' load (the shared machine's load moves a lot between runs).
//
// Knobs: PROBE_ORDERS (300), PROBE_CONCURRENCY (20), PROBE_CONCURRENT_ORDERS (2000),
// PROBE_ROUNDS (2, with PROBE_COMPARE_ROOT), BENCH_PORT_BASE, BENCH_DATABASE,
// BENCH_SERVICES (accounts,markets,matching).
const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
process.env.BENCH_SERVICES ??= 'accounts,markets,matching';
const common = require('../lib/common.js');

const { intEnv, log, round } = common;
const ORDERS = intEnv('PROBE_ORDERS', 300);
const CONCURRENCY = intEnv('PROBE_CONCURRENCY', 20);
const CONCURRENT_ORDERS = intEnv('PROBE_CONCURRENT_ORDERS', 2000);
const CPU_PROF = process.env.PROBE_CPU_PROF;

const PLACE = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status clientOrderId } }';
const CANCEL = 'mutation Cancel($coid: String!) { cancelOrder(clientOrderId: $coid) { id status } }';
const BALANCES = '{ myBalances { asset available locked } }';
const BOOKS = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Market {
  orderBook(depth: 10) { market sequence bids { price quantity orders } asks { price quantity orders } } } } }`;
const MARKETS = ['BTC-USDC', 'BTC-USDT', 'ETH-USDC', 'ETH-USDT', 'EUR-USD', 'SOL-USDT', 'SPX-USD', 'USDC-USDT', 'XAU-USD'];
const BOOK_ORDERS = intEnv('PROBE_BOOK_ORDERS', 200);

async function post(url, token, query, variables) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50_ms: round(percentile(sorted, 50), 3), p90_ms: round(percentile(sorted, 90), 3), p99_ms: round(percentile(sorted, 99), 3) };
}

let orderCount = 0;
const order = (i) => ({
  market: 'BTC-USDT',
  side: 'buy',
  type: 'limit',
  quantity: '0.01',
  price: String(1000 + (i % 500)),
  clientOrderId: `probe-${process.pid}-${orderCount++}`,
});

const COMPARE_ROOT = process.env.PROBE_COMPARE_ROOT;
const ROUNDS = intEnv('PROBE_ROUNDS', COMPARE_ROOT ? 2 : 1);

/**
 * Stops matching and starts it again from `root` (its state comes back from the database),
 * under `node --cpu-prof` when PROBE_CPU_PROF is set (a node argument: NODE_OPTIONS cannot carry it).
 */
async function restartMatching(system, root) {
  const old = system.children.matching;
  if (old.exitCode === null && old.signalCode === null) {
    await new Promise((resolve) => {
      old.once('exit', resolve);
      old.kill('SIGTERM');
    });
  }
  const entry = path.join(root, 'subgraphs/matching/dist/index.js');
  const args = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...args, entry], { env: system.env, stdio: 'ignore' });
  system.children.matching = child;
  await common.waitForHealth(`http://127.0.0.1:${system.portBase + 6}/health`, child, 'matching', 60_000);
}

/** The three phases against the matching process running now. */
async function measure(system, token) {
  const direct = `http://127.0.0.1:${system.portBase + 6}/graphql`;
  const matchingPid = system.children.matching.pid;

  // Warm-up: JIT, connection pools, caches.
  for (let i = 0; i < 50; i += 1) {
    const input = order(i);
    await post(direct, token, PLACE, { input });
    await post(direct, token, CANCEL, { coid: input.clientOrderId });
    await post(direct, token, BALANCES);
  }

  const place = [];
  const cancel = [];
  let cpuBefore = common.cpuMsOf(matchingPid);
  for (let i = 0; i < ORDERS; i += 1) {
    const input = order(i);
    let t = performance.now();
    await post(direct, token, PLACE, { input });
    place.push(performance.now() - t);
    t = performance.now();
    await post(direct, token, CANCEL, { coid: input.clientOrderId });
    cancel.push(performance.now() - t);
  }
  const sequentialCpu = (common.cpuMsOf(matchingPid) - cpuBefore) / ORDERS;
  // The same sequence through the gateway: what the gateway adds to one placement.
  const gatewayPlace = [];
  const gatewayCancel = [];
  for (let i = 0; i < ORDERS; i += 1) {
    const input = order(i);
    let t = performance.now();
    await post(system.graphqlUrl, token, PLACE, { input });
    gatewayPlace.push(performance.now() - t);
    t = performance.now();
    await post(system.graphqlUrl, token, CANCEL, { coid: input.clientOrderId });
    gatewayCancel.push(performance.now() - t);
  }
  const balances = [];
  for (let i = 0; i < ORDERS; i += 1) {
    const t = performance.now();
    await post(direct, token, BALANCES);
    balances.push(performance.now() - t);
  }

  cpuBefore = common.cpuMsOf(matchingPid);
  let next = 0;
  const pairs = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONCURRENT_ORDERS) {
        const input = order(next++);
        const t = performance.now();
        await post(direct, token, PLACE, { input });
        await post(direct, token, CANCEL, { coid: input.clientOrderId });
        pairs.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const concurrentCpu = (common.cpuMsOf(matchingPid) - cpuBefore) / Math.max(1, CONCURRENT_ORDERS);
  // The floor: two myBalances reads (no database, no journal) in the same concurrent loop cost
  // what any two requests cost in the subgraph pipeline.
  cpuBefore = common.cpuMsOf(matchingPid);
  next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONCURRENT_ORDERS) {
        next += 1;
        await post(direct, token, BALANCES);
        await post(direct, token, BALANCES);
      }
    }),
  );
  const readsCpu = (common.cpuMsOf(matchingPid) - cpuBefore) / Math.max(1, CONCURRENT_ORDERS);

  // The market list's order books as the gateway fetches them: one `_entities` request for every
  // market's book, here with BOOK_ORDERS resting orders on BTC-USDT, none placed in between.
  const resting = [];
  for (let i = 0; i < BOOK_ORDERS; i += 1) {
    const input = order(i);
    await post(direct, token, PLACE, { input });
    resting.push(input.clientOrderId);
  }
  const representations = MARKETS.map((symbol) => ({ __typename: 'Market', symbol }));
  for (let i = 0; i < 20; i += 1) await post(direct, token, BOOKS, { r: representations });
  const books = [];
  cpuBefore = common.cpuMsOf(matchingPid);
  for (let i = 0; i < ORDERS; i += 1) {
    const t = performance.now();
    await post(direct, token, BOOKS, { r: representations });
    books.push(performance.now() - t);
  }
  const booksCpu = (common.cpuMsOf(matchingPid) - cpuBefore) / Math.max(1, ORDERS);
  for (const coid of resting) await post(direct, token, CANCEL, { coid });
  return {
    placeOrder: summary(place),
    cancelOrder: summary(cancel),
    myBalances: summary(balances),
    gateway_placeOrder: summary(gatewayPlace),
    gateway_cancelOrder: summary(gatewayCancel),
    book_entities: { ...summary(books), markets: MARKETS.length, resting_orders: BOOK_ORDERS, matching_cpu_ms: round(booksCpu, 3) },
    matching_cpu_ms_per_order_sequential: round(sequentialCpu, 3),
    concurrent: {
      clients: CONCURRENCY,
      orders: CONCURRENT_ORDERS,
      orders_per_s: round(CONCURRENT_ORDERS / seconds, 1),
      place_and_cancel: summary(pairs),
      matching_cpu_ms_per_order: round(concurrentCpu, 3),
      matching_cpu_ms_per_two_reads: round(readsCpu, 3),
    },
    loadavg: os.loadavg().map((l) => round(l, 2)),
  };
}

const brief = (label, r) =>
  `${label.padEnd(8)} place p50 ${r.placeOrder.p50_ms} p99 ${r.placeOrder.p99_ms} | cancel p50 ${r.cancelOrder.p50_ms} p99 ${r.cancelOrder.p99_ms} | ` +
  `myBalances p50 ${r.myBalances.p50_ms} | via gateway place p50 ${r.gateway_placeOrder.p50_ms} p99 ${r.gateway_placeOrder.p99_ms} | CPU/order seq ${r.matching_cpu_ms_per_order_sequential} ms, ${r.concurrent.clients} clients ` +
  `${r.concurrent.matching_cpu_ms_per_order} ms (${r.concurrent.orders_per_s}/s, place+cancel p50 ${r.concurrent.place_and_cancel.p50_ms} p99 ${r.concurrent.place_and_cancel.p99_ms}), two myBalances ${r.concurrent.matching_cpu_ms_per_two_reads} ms | ` +
  `book _entities p50 ${r.book_entities.p50_ms} ms, CPU ${r.book_entities.matching_cpu_ms} ms | load ${r.loadavg.join(' ')}`;

async function main() {
  const system = await common.startBenchSystem('order-latency', { portBase: intEnv('BENCH_PORT_BASE', 56000) + 40 });
  const stopAll = common.stopOnExit([() => system.stop()]);
  try {
    const [user] = await common.signUpUsers(system.graphqlUrl, 1);
    await common.gql(
      system.graphqlUrl,
      'mutation { creditDemoFunds(asset: "USDT", amount: "1000000", idempotencyKey: "probe") { available } }',
      {},
      user.token,
    );
    const versions = COMPARE_ROOT ? [['compare', COMPARE_ROOT], ['this', common.SYSTEM_ROOT]] : [['this', common.SYSTEM_ROOT]];
    const results = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [label, root] of versions) {
        if (COMPARE_ROOT || CPU_PROF) await restartMatching(system, root);
        const result = await measure(system, user.token);
        log(brief(label, result));
        results.push({ version: label, root, round, ...result });
      }
    }
    console.log(JSON.stringify(results.length === 1 ? results[0] : results, null, 2));
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
