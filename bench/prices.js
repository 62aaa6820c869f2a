// npm run bench:prices — price queries through the gateway at a fixed offered rate (open loop,
// default 1,000 requests/s from 1,000 clients), then stepping the rate up to the highest one with
// p99 ≤ 20 ms. Each client carries its own user's token: public market data must be fast even
// when every request is authenticated (and must never be mixed up with anyone's private data).
const fs = require('node:fs');
const path = require('node:path');
const common = require('./lib/common.js');

const { intEnv, log } = common;
const CLIENTS = intEnv('BENCH_CLIENTS', 1000);
const USERS = intEnv('BENCH_USERS', 100);
const RATE = intEnv('BENCH_RATE', 1000);
const SECONDS = intEnv('BENCH_SECONDS', 10);
const STEP_SECONDS = intEnv('BENCH_STEP_SECONDS', 5);
const P99_LIMIT_MS = 20;
const TRIES = intEnv('BENCH_TRIES', 3);
const WARMUP_RATE = intEnv('BENCH_WARMUP_RATE', 300);
const WARMUP_SECONDS = intEnv('BENCH_WARMUP_SECONDS', 5);
const STEPS = [100, 200, 400, 600, 800, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000];

/** `price(market:)` when the supergraph has it (the markets subgraph's cached price), else `market(symbol:)`. */
function priceQuery() {
  const sdl = fs.readFileSync(path.join(common.SYSTEM_ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const query = /type Query[^}]*\n\s+price\(market: String!\)/s.test(sdl);
  return query
    ? { kind: 'price', query: 'query Price($m: String!) { price(market: $m) { price at source stale } }' }
    : { kind: 'market', query: 'query Price($m: String!) { market(symbol: $m) { symbol status tickSize lotSize minNotional } }' };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 2000));

/** One open-loop run, with the gateway process's CPU time per request sent (warm-up included). */
async function load(system, config, rate, seconds, warmupS) {
  const pid = system.children.gateway.pid;
  const cpuBefore = common.cpuMsOf(pid);
  const result = await common.runLoad('http-load.js', {
    ...config,
    url: system.graphqlUrl,
    mode: 'open',
    rate,
    connections: CLIENTS,
    clients: CLIENTS,
    durationS: seconds,
    warmupS,
    requests: 'requests/prices.js',
    lateMs: P99_LIMIT_MS,
  });
  result.cpu_ms_per_request = common.round((common.cpuMsOf(pid) - cpuBefore) / (rate * (seconds + warmupS)), 3);
  return result;
}

async function main() {
  // The simulated feed gives every market a price (one a second), as in production.
  const system = await common.startBenchSystem('prices', {
    portBase: common.benchPortBase(60),
    env: { PRICE_FEED: 'simulated' },
  });
  const stopAll = common.stopOnExit([() => system.stop()]);
  try {
    const users = await common.signUpUsers(system.graphqlUrl, USERS);
    const markets = (await common.gql(system.graphqlUrl, '{ markets(first: 200) { edges { node { symbol } } } }')).markets.edges.map(
      (e) => e.node.symbol,
    );
    const { kind, query } = priceQuery();
    const config = { tokens: users.map((u) => u.token), markets, query };
    // Every market answers, with a price once the feed has ticked.
    for (const m of markets) {
      for (let tries = 0; tries < 50; tries += 1) {
        const data = await common.gql(system.graphqlUrl, query, { m }, users[0].token);
        if (kind !== 'price' || data.price) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    log(`${kind}(…) over ${markets.length} markets, ${CLIENTS} clients, ${RATE}/s offered for ${SECONDS} s`);
    // A warm-up first (logged, not counted): the first seconds under load are V8 compiling the
    // gateway's hot path, and without it the lowest step measured that instead of the rate.
    const warm = await load(system, config, WARMUP_RATE, WARMUP_SECONDS, 1);
    log(`warm-up at ${WARMUP_RATE}/s for ${WARMUP_SECONDS} s: p50 ${warm.p50_ms} ms, p99 ${warm.p99_ms} ms, errors ${warm.errors}`);
    await pause();
    // Steps next, from a low rate up; the default rate last, so an overload it causes cannot
    // spill into another measurement.
    let best = 0;
    const steps = [];
    const bySecond = (r) => r.by_second.map((second) => `${second.late}/${second.max_ms}`).join(' ');
    for (const rate of STEPS) {
      // A rate fails only if TRIES tries in a row miss the limit: a 20-ms p99 over a 5-s step is
      // within reach of one stall of a shared machine (bench/probes/hiccup.js), which should not
      // end the search.
      let r = await load(system, config, rate, STEP_SECONDS, 1);
      for (let tries = 1; tries < TRIES && (r.p99_ms > P99_LIMIT_MS || r.errors > 0); tries += 1) {
        log(`step ${rate}/s missed (p99 ${r.p99_ms} ms); by second, requests over ${P99_LIMIT_MS} ms / worst ms: ${bySecond(r)}`);
        await pause();
        r = await load(system, config, rate, STEP_SECONDS, 1);
      }
      steps.push({ rate, ok_per_s: r.ok_per_s, p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors, cpu_ms_per_request: r.cpu_ms_per_request });
      log(`step ${rate}/s: ${r.ok_per_s} ok/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errors ${r.errors}, gateway ${r.cpu_ms_per_request} CPU ms/request`);
      if (r.p99_ms > P99_LIMIT_MS || r.errors > 0) break;
      await pause();
      best = rate;
    }
    await pause();
    const main = await load(system, config, RATE, SECONDS, 2);
    log(
      `at ${RATE}/s: ${main.ok_per_s} ok/s, p50 ${main.p50_ms} ms, p99 ${main.p99_ms} ms, errors ${main.errors}, gateway ${main.cpu_ms_per_request} CPU ms/request ${main.error_samples[0] ?? ''}`,
    );
    const result = {
      clients: CLIENTS,
      offered_per_s: RATE,
      p50_ms: main.p50_ms,
      p99_ms: main.p99_ms,
      max_rate_p99_20ms: best,
      warmup: { rate: WARMUP_RATE, seconds: WARMUP_SECONDS, p50_ms: warm.p50_ms, p99_ms: warm.p99_ms, errors: warm.errors },
      ok_per_s: main.ok_per_s,
      p999_ms: main.p999_ms,
      cpu_ms_per_request: main.cpu_ms_per_request,
      errors: main.errors,
      error_samples: main.error_samples,
      query: kind,
      users: USERS,
      steps,
    };
    console.log(
      `${kind} queries at ${RATE}/s offered: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, errors ${result.errors}; max rate with p99 ≤ ${P99_LIMIT_MS} ms: ${best}/s`,
    );
    common.writeResult('prices', result);
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
