// Probe: where the orders benchmark's late bursts come from. Runs bench:orders' stream
// (requests/orders.js, open loop) at PROBE_RATE through the gateway and then straight to
// matching, and prints for every measured second, side by side:
//   - the requests later than PROBE_LATE_MS and the worst latency (the load generator's by_second);
//   - the gateway's and matching's worst event-loop delay and their GC time in that second
//     (`nodejs_eventloop_lag_max_seconds`, restarted at each scrape, and
//     `nodejs_gc_duration_seconds_sum` from their /metrics; the delay includes the monitor's 10-ms
//     resolution, so about 11 ms means no stall);
//   - matching's group commits: batches, how many waited longer than 10 and 20 ms for
//     durability, and the time its statements took (`matching_journal_*`).
// A burst beside a long journal wait is the disk or Postgres; beside a long event-loop delay, that
// process stalled (GC, a long task); beside neither, look at the load generator or the kernel.
// The metrics are scraped once a second on a timer of their own, so a row lines up with its
// second to within a few hundred ms. Writes nothing to bench/results.
//
//   node bench/probes/order-stalls.js
//
// Knobs: PROBE_RATE (1000), PROBE_SECONDS (20), PROBE_LATE_MS (20), PROBE_PATHS (gateway,direct),
// PROBE_CLIENTS (1000), PROBE_USERS (100), BENCH_PORT_BASE, BENCH_DATABASE.
process.env.BENCH_SERVICES ??= 'accounts,markets,matching';
const common = require('../lib/common.js');

const { intEnv, log } = common;
const RATE = intEnv('PROBE_RATE', 1000);
const SECONDS = intEnv('PROBE_SECONDS', 20);
const LATE_MS = intEnv('PROBE_LATE_MS', 20);
const CLIENTS = intEnv('PROBE_CLIENTS', 1000);
const USERS = intEnv('PROBE_USERS', 100);
const PATHS = (process.env.PROBE_PATHS ?? 'gateway,direct').split(',');
const WARMUP_S = 2;

/** The samples of a /metrics text, by name with labels (`name{…}`) and by bare name summed. */
function samples(text) {
  const byName = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const series = line.slice(0, line.lastIndexOf(' '));
    byName.set(series, value);
    const bare = series.includes('{') ? series.slice(0, series.indexOf('{')) : series;
    if (bare !== series) byName.set(bare, (byName.get(bare) ?? 0) + value);
  }
  return byName;
}

/** One scrape: worst event-loop delay (ms), GC seconds so far, and the journal's counters. */
async function scrape(url) {
  const s = samples(await (await fetch(url)).text());
  const bucket = (le) => [...s].find(([k]) => k.startsWith('matching_journal_wait_seconds_bucket') && k.includes(`le="${le}"`))?.[1] ?? 0;
  return {
    lagMs: Math.round((s.get('nodejs_eventloop_lag_max_seconds') ?? 0) * 1000),
    gcS: s.get('nodejs_gc_duration_seconds_sum') ?? 0,
    batches: s.get('matching_journal_wait_seconds_count') ?? 0,
    over10: bucket('+Inf') - bucket('0.01'),
    over20: bucket('+Inf') - bucket('0.02'),
    writeS: s.get('matching_journal_write_seconds_sum') ?? 0,
  };
}

async function main() {
  const system = await common.startBenchSystem('order-stalls', { portBase: intEnv('BENCH_PORT_BASE', 56000) + 80 });
  const stopAll = common.stopOnExit([() => system.stop()]);
  try {
    const users = await common.signUpUsers(system.graphqlUrl, USERS);
    await common.creditTraders(system.graphqlUrl, users);
    const matchingBase = `http://127.0.0.1:${system.portBase + 6}`;
    const urls = { gateway: system.graphqlUrl, direct: `${matchingBase}/graphql` };
    const metrics = { gateway: `http://127.0.0.1:${system.portBase}/metrics`, matching: `${matchingBase}/metrics` };
    for (const via of PATHS) {
      const rows = [];
      let running = true;
      // Scrapes once a second from the end of the load generator's warm-up (its second 0).
      const sampler = (async () => {
        await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000 + 500));
        let before = { gateway: await scrape(metrics.gateway), matching: await scrape(metrics.matching) };
        while (running) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const now = { gateway: await scrape(metrics.gateway), matching: await scrape(metrics.matching) };
          const [g, m, mb] = [now.gateway, now.matching, before.matching];
          rows.push(
            `gateway ${String(g.lagMs).padStart(3)} ms, gc ${String(Math.round((g.gcS - before.gateway.gcS) * 1000)).padStart(3)} ms | ` +
              `matching ${String(m.lagMs).padStart(3)} ms, gc ${String(Math.round((m.gcS - mb.gcS) * 1000)).padStart(3)} ms | ` +
              `${m.batches - mb.batches} commits, ${m.over10 - mb.over10} waited > 10 ms, ${m.over20 - mb.over20} > 20 ms, statements ${Math.round((m.writeS - mb.writeS) * 1000)} ms`,
          );
          before = now;
        }
      })();
      const r = await common.runLoad('http-load.js', {
        url: urls[via],
        mode: 'open',
        rate: RATE,
        connections: CLIENTS,
        clients: CLIENTS,
        durationS: SECONDS,
        warmupS: WARMUP_S,
        lateMs: LATE_MS,
        requests: 'requests/orders.js',
        tokens: users.map((u) => u.token),
        runId: `${Date.now().toString(36)}s${via}`,
      });
      running = false;
      await sampler;
      log(`${via} ${RATE}/s: ${r.ok_per_s} ok/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, p99.9 ${r.p999_ms} ms, errors ${r.errors}`);
      console.log(`second | late > ${LATE_MS} ms / worst ms | worst event-loop delay and GC time per process | matching's group commits`);
      r.by_second.forEach((second, i) =>
        console.log(`${String(i).padStart(6)} | ${`${second.late}/${second.max_ms}`.padStart(9)} | ${rows[i] ?? ''}`),
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
