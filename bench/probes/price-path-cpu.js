// Probe: the markets subgraph's CPU time per published price, with and without live
// `priceUpdated` subscriptions open on it — what the subscription benchmark's extra hop costs
// (the gateway's side needs this process; the bare `ws` server does not). Not a benchmark of its
// own: a tool for finding where that CPU goes, before and after a change.
//
//   node bench/probes/price-path-cpu.js
//
// The subscription benchmark's publisher (`lib/price-publisher.js`) sends `{market, price, at}` on
// `markets.price.<symbol>` for every listed market, round-robin, at PROBE_RATE (250) events/s. Phases of PROBE_SECONDS (8)
// alternate, PROBE_ROUNDS (3) times: no subscription open, then one graphql-ws subscription per
// market straight to the markets subgraph (as the gateway holds one per market). Prints the
// markets process's CPU per event (from /proc, all threads) in each phase, and the latency from
// the publisher's clock to the subscriber. Knobs: BENCH_PORT_BASE, BENCH_MARKETS_NODE_ARGS
// (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
const WebSocket = require('ws');
const { createClient } = require('graphql-ws');
const common = require('../lib/common.js');

const { intEnv, log, round } = common;
const RATE = intEnv('PROBE_RATE', 250);
const SECONDS = intEnv('PROBE_SECONDS', 8);
const ROUNDS = intEnv('PROBE_ROUNDS', 3);

function subscribeAll(url, markets, latencies) {
  const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  const stops = markets.map((market) =>
    client.subscribe(
      { query: 'subscription($market: String!) { priceUpdated(market: $market, initial: false) { market { symbol } price at } }', variables: { market } },
      {
        next: (result) => latencies.push(Date.now() - Date.parse(result.data.priceUpdated.at)),
        error: (error) => log(`subscription error: ${JSON.stringify(error).slice(0, 300)}`),
        complete: () => {},
      },
    ),
  );
  return async () => {
    for (const stop of stops) stop();
    await client.dispose();
  };
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : null);

async function main() {
  const system = await common.startBenchSystem('price-path', {
    portBase: intEnv('BENCH_PORT_BASE', 56000) + 60,
    env: { PRICE_UPDATES_MAX_PER_SECOND: '0' },
  });
  const publisher = common.forkHelper('price-publisher.js');
  const stopAll = common.stopOnExit([() => system.stop(), publisher.stop]);
  try {
    const data = await common.gql(system.graphqlUrl, '{ markets(first: 100) { edges { node { symbol } } } }');
    const markets = data.markets.edges.map((edge) => edge.node.symbol);
    let phase = 0;
    /** Publishes for `seconds` at RATE; returns the number of events sent. */
    const publishFor = async (seconds) => {
      phase += 1;
      const { published } = await publisher.ask(
        { type: 'publish', redisUrl: common.REDIS_URL, namespace: system.namespace, markets, rate: RATE, seconds, phase },
        'published',
      );
      return published;
    };
    const marketsPid = system.children.markets.pid;
    const marketsUrl = `ws://127.0.0.1:${system.portBase + 2}/graphql`;
    // Let the subgraph settle (JIT, first prices) before measuring.
    await publishFor(3);
    const rows = [];
    for (let round_ = 1; round_ <= ROUNDS; round_ += 1) {
      for (const subscribed of [false, true]) {
        const latencies = [];
        const stop = subscribed ? subscribeAll(marketsUrl, markets, latencies) : null;
        if (stop) await new Promise((resolve) => setTimeout(resolve, 500));
        const cpuBefore = common.cpuMsOf(marketsPid);
        const events = await publishFor(SECONDS);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const cpuUsPerEvent = round(((common.cpuMsOf(marketsPid) - cpuBefore) * 1000) / events, 1);
        if (stop) await stop();
        latencies.sort((a, b) => a - b);
        const row = {
          round: round_,
          subscriptions: subscribed ? markets.length : 0,
          events,
          markets_cpu_us_per_event: cpuUsPerEvent,
          delivered: latencies.length,
          p50_ms: percentile(latencies, 50),
          p99_ms: percentile(latencies, 99),
        };
        rows.push(row);
        log(
          `round ${round_}, ${row.subscriptions} subscriptions: markets CPU ${cpuUsPerEvent} µs per event` +
            (subscribed ? `, delivered ${row.delivered}, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms` : ''),
        );
      }
    }
    const mean = (subscriptions) => {
      const values = rows.filter((r) => r.subscriptions === subscriptions).map((r) => r.markets_cpu_us_per_event);
      return round(values.reduce((a, b) => a + b, 0) / values.length, 1);
    };
    const without = mean(0);
    const withSubs = mean(markets.length);
    console.log(
      `markets CPU per event at ${RATE}/s: ${without} µs without subscriptions, ${withSubs} µs with ${markets.length}; ` +
        `the subscriptions' share: ${round(withSubs - without, 1)} µs per event`,
    );
  } finally {
    await publisher.ask({ type: 'close' }, 'closed').catch(() => {});
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
