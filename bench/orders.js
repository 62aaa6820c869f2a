// npm run bench:orders — authenticated clients placing and cancelling orders through the
// gateway on the durable engine, open loop: first at the default offered rate, then stepping the
// rate up to the highest one whose p99 (send → durable acknowledgement) stays within 50 ms. The
// same stream sent straight to the matching subgraph in the same run shows the gateway's cost.
// A request counts from the moment it was due, so queueing in any process counts.
const common = require('./lib/common.js');

const { intEnv, log, round } = common;
const CLIENTS = intEnv('BENCH_CLIENTS', 1000);
// Password hashing makes signing up the slow part of setup; clients share these users' tokens.
const USERS = intEnv('BENCH_USERS', 100);
const RATE = intEnv('BENCH_RATE', 1000);
const SECONDS = intEnv('BENCH_SECONDS', 10);
const STEP_SECONDS = intEnv('BENCH_STEP_SECONDS', 5);
const P99_LIMIT_MS = 50;
const STEPS = [50, 100, 200, 300, 400, 600, 800, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000];

const pause = () => new Promise((resolve) => setTimeout(resolve, 2000));

let runs = 0;
function load(url, users, rate, seconds, warmupS) {
  runs += 1;
  return common.runLoad('http-load.js', {
    url,
    mode: 'open',
    rate,
    connections: CLIENTS,
    clients: CLIENTS,
    durationS: seconds,
    warmupS,
    requests: 'requests/orders.js',
    tokens: users.map((u) => u.token),
    runId: `${Date.now().toString(36)}${runs}`,
  });
}

const passes = (r) => r.p99_ms <= P99_LIMIT_MS && r.errors <= r.completed * 0.001 && r.in_flight_at_end === 0;

/** Steps the offered rate up until p99 exceeds the limit (or errors appear); the last rate that held. */
async function maxRate(name, url, users) {
  let best = 0;
  const steps = [];
  for (const rate of STEPS) {
    // A rate fails only if two tries in a row miss the limit: one stall of a shared machine
    // should not end the search.
    let r = await load(url, users, rate, STEP_SECONDS, 1);
    if (!passes(r)) {
      await pause();
      r = await load(url, users, rate, STEP_SECONDS, 1);
    }
    steps.push({ rate, p50_ms: r.p50_ms, p99_ms: r.p99_ms, ok_per_s: r.ok_per_s, errors: r.errors });
    log(
      `${name.padEnd(7)} ${String(rate).padStart(5)}/s offered: ${r.ok_per_s} ok/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errors ${r.errors}`,
    );
    if (!passes(r)) break;
    best = rate;
    await pause();
  }
  return { best, steps };
}

async function main() {
  const system = await common.startBenchSystem('orders', { portBase: common.intEnv('BENCH_PORT_BASE', 56000) + 20 });
  const stopAll = common.stopOnExit([() => system.stop()]);
  try {
    const users = await common.signUpUsers(system.graphqlUrl, USERS);
    await common.creditTraders(system.graphqlUrl, users);
    const direct = `http://127.0.0.1:${system.portBase + 6}/graphql`;
    log(`${CLIENTS} clients over ${USERS} users; ${RATE}/s offered for ${SECONDS} s through the gateway`);
    // Steps first, from a low rate up; the default rate last, so an overload it causes cannot
    // spill into another measurement.
    const gateway = await maxRate('gateway', system.graphqlUrl, users);
    await pause();
    const straight = await maxRate('direct', direct, users);
    await pause();
    const main = await load(system.graphqlUrl, users, RATE, SECONDS, 2);
    log(
      `gateway at ${RATE}/s: ${main.ok_per_s} ok/s, p50 ${main.p50_ms} ms, p99 ${main.p99_ms} ms, p99.9 ${main.p999_ms} ms, errors ${main.errors} ${main.error_samples[0] ?? ''}`,
    );
    const result = {
      clients: CLIENTS,
      offered_per_s: RATE,
      orders_per_s: main.ok_per_s,
      p50_ms: main.p50_ms,
      p99_ms: main.p99_ms,
      p999_ms: main.p999_ms,
      max_rate_p99_50ms: gateway.best,
      direct_max_rate_p99_50ms: straight.best,
      ratio_direct: straight.best ? round(gateway.best / straight.best) : null,
      errors: main.errors,
      error_samples: main.error_samples,
      users: USERS,
      seconds: SECONDS,
      step_seconds: STEP_SECONDS,
      gateway_steps: gateway.steps,
      direct_steps: straight.steps,
    };
    console.log(
      `at ${RATE}/s offered: ${result.orders_per_s} orders/s acknowledged, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, p99.9 ${result.p999_ms} ms\n` +
        `max rate with p99 ≤ ${P99_LIMIT_MS} ms: gateway ${gateway.best}/s, direct ${straight.best}/s (${result.ratio_direct}×)`,
    );
    common.writeResult('orders', result);
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
