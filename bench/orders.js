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
const TRIES = intEnv('BENCH_TRIES', 3);
const WARMUP_RATE = intEnv('BENCH_WARMUP_RATE', 300);
const WARMUP_SECONDS = intEnv('BENCH_WARMUP_SECONDS', 5);
// From 200/s: below it both paths only measure the machine's noise, and the whole run must stay
// under five minutes with three tries per rate.
const STEPS = [200, 400, 600, 800, 1000, 1250, 1500, 2000, 3000, 4000, 5000];
// Seconds from the start within which stepping must end, so the run stays under five minutes on
// a machine fast enough to hold every step: a rate is only started if it can finish in time, and
// when one cannot, the highest rates found are lower bounds (the JSON's `stepping_cut_at`).
const BUDGET_SECONDS = intEnv('BENCH_BUDGET_SECONDS', 270);

const pause = () => new Promise((resolve) => setTimeout(resolve, 2000));

let runs = 0;
/** Seconds each load so far took: their mean, plus the pause after each, is what the next one should take. */
const loadSeconds = [];
const expectedLoadSeconds = () => loadSeconds.reduce((a, b) => a + b, 0) / Math.max(1, loadSeconds.length) + 2;
const withinBudget = (loads) => process.uptime() + loads * expectedLoadSeconds() <= BUDGET_SECONDS;
/** Processes whose CPU each run reports (cores): set once the system is up. */
let measured = {};
async function load(url, users, rate, seconds, warmupS, headers = {}) {
  runs += 1;
  const startedAt = process.uptime();
  const breakdown = common.cpuBreakdown(measured);
  const result = await common.runLoad('http-load.js', {
    url,
    mode: 'open',
    rate,
    connections: CLIENTS,
    clients: CLIENTS,
    durationS: seconds,
    warmupS,
    requests: 'requests/orders.js',
    tokens: users.map((u) => u.token),
    headers,
    runId: `${Date.now().toString(36)}${runs}`,
  });
  // Over warm-up and measured seconds alike (the rate is the same in both).
  result.cpu_cores = breakdown.stop();
  loadSeconds.push(process.uptime() - startedAt);
  return result;
}

const cores = (r) => common.coresText(r.cpu_cores);
const bySecond = (r) => r.by_second.map((s) => `${s.late}/${s.max_ms}`).join(' ');

const passes = (r) => r.p99_ms <= P99_LIMIT_MS && r.errors <= r.completed * 0.001 && r.in_flight_at_end === 0;

/**
 * Steps the offered rate up, for every path at once: at each rate each path still in the race is
 * measured (in turn, the same machine state for both), and a path leaves the race at the first
 * rate whose p99 exceeds the limit (or that errors). Each path's best is the last rate that held.
 * Stepping one path through every rate and then the other gave the first one the cold system
 * (an empty book, code not yet optimized, Postgres's caches) and the second a warm one.
 */
async function maxRates(paths, users) {
  const results = Object.fromEntries(paths.map((path) => [path.name, { best: 0, steps: [] }]));
  let racing = [...paths];
  let cutAt = null;
  for (const rate of STEPS) {
    if (racing.length === 0) break;
    if (!withinBudget(racing.length)) {
      cutAt = rate;
      log(
        `stepping stops before ${rate}/s to stay within ${BUDGET_SECONDS} s: ${racing.map((p) => p.name).join(' and ')} held every rate so far, so their highest rates are lower bounds`,
      );
      break;
    }
    for (const path of [...racing]) {
      // A rate fails only if TRIES tries in a row miss the limit: this machine's disk stalls a
      // commit for 20–200 ms now and then, in clusters lasting seconds (bench/probes/
      // commit-latency.js), and every acknowledgement waits for a commit, so one cluster in a
      // 5-s step misses p99 at any rate and should not end the search.
      let r = await load(path.url, users, rate, STEP_SECONDS, 1, path.headers);
      for (let tries = 1; tries < TRIES && !passes(r) && withinBudget(1); tries += 1) {
        log(`${path.name.padEnd(7)} ${String(rate).padStart(5)}/s missed (p99 ${r.p99_ms} ms); by second, requests over ${P99_LIMIT_MS} ms / worst ms: ${bySecond(r)}`);
        await pause();
        r = await load(path.url, users, rate, STEP_SECONDS, 1, path.headers);
      }
      const result = results[path.name];
      result.steps.push({ rate, p50_ms: r.p50_ms, p99_ms: r.p99_ms, ok_per_s: r.ok_per_s, errors: r.errors, cpu_cores: r.cpu_cores });
      log(
        `${path.name.padEnd(7)} ${String(rate).padStart(5)}/s offered: ${r.ok_per_s} ok/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errors ${r.errors}; cores: ${cores(r)}`,
      );
      if (!passes(r)) log(`${path.name.padEnd(7)} ${String(rate).padStart(5)}/s by second, requests over ${P99_LIMIT_MS} ms / worst ms: ${bySecond(r)}`);
      if (passes(r)) result.best = rate;
      else racing = racing.filter((other) => other !== path);
      await pause();
    }
  }
  // Paths still holding when the search ended (budget or the last step) did not reach their limit.
  return { ...results, cutAt, stillHolding: racing.map((path) => path.name) };
}

/** Both paths at a moderate rate before anything is measured (logged, not counted). */
async function warmUp(paths, users) {
  for (const path of paths) {
    const r = await load(path.url, users, WARMUP_RATE, WARMUP_SECONDS, 1, path.headers);
    log(
      `${path.name.padEnd(7)} warm-up at ${WARMUP_RATE}/s for ${WARMUP_SECONDS} s: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, errors ${r.errors}`,
    );
    await pause();
  }
}

async function main() {
  const system = await common.startBenchSystem('orders', { portBase: common.benchPortBase(20) });
  const stopAll = common.stopOnExit([() => system.stop()]);
  try {
    const users = await common.signUpUsers(system.graphqlUrl, USERS);
    await common.creditTraders(system.graphqlUrl, users);
    const direct = `http://127.0.0.1:${system.portBase + 6}/graphql`;
    log(`${CLIENTS} clients over ${USERS} users; ${RATE}/s offered for ${SECONDS} s through the gateway`);
    const paths = [
      { name: 'gateway', url: system.graphqlUrl },
      // As the gateway calls matching: with the system's internal credential (subgraphs refuse any other caller).
      { name: 'direct', url: direct, headers: { 'x-internal-token': process.env.INTERNAL_API_TOKEN } },
    ];
    measured = { gateway: system.children.gateway.pid, matching: system.children.matching.pid, accounts: system.children.accounts.pid };
    await warmUp(paths, users);
    // The default rate first, then the steps from a low rate up: the steps end by overloading
    // both paths, and the system took longer than any pause to recover from that.
    const main = await load(system.graphqlUrl, users, RATE, SECONDS, 2);
    log(
      `gateway at ${RATE}/s: ${main.ok_per_s} ok/s, p50 ${main.p50_ms} ms, p99 ${main.p99_ms} ms, p99.9 ${main.p999_ms} ms, errors ${main.errors} ${main.error_samples[0] ?? ''}; cores: ${cores(main)}`,
    );
    await pause();
    const { gateway, direct: straight, cutAt, stillHolding } = await maxRates(paths, users);
    const result = {
      clients: CLIENTS,
      offered_per_s: RATE,
      orders_per_s: main.ok_per_s,
      cpu_cores_at_default_rate: main.cpu_cores,
      p50_ms: main.p50_ms,
      p99_ms: main.p99_ms,
      p999_ms: main.p999_ms,
      max_rate_p99_50ms: gateway.best,
      direct_max_rate_p99_50ms: straight.best,
      ratio_direct: straight.best ? round(gateway.best / straight.best) : null,
      // The rate the time budget kept from being tried (null when it did not end the search), and
      // the paths that never missed: their max rates are lower bounds.
      stepping_cut_at: cutAt,
      still_holding: stillHolding,
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
        `max rate with p99 ≤ ${P99_LIMIT_MS} ms: gateway ${gateway.best}/s, direct ${straight.best}/s (${result.ratio_direct}×)` +
        (stillHolding.length
          ? `; ${stillHolding.join(' and ')} never missed, so ${stillHolding.length > 1 ? 'those are lower bounds' : 'that is a lower bound'}`
          : ''),
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
