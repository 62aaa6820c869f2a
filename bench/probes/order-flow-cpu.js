// Probe: where the order flow's CPU goes, process by process. Starts accounts, markets, matching
// and the gateway (bench/lib/common.js), signs up PROBE_USERS users, then runs bench:orders' own
// stream (requests/orders.js: alternate place and cancel by clientOrderId, PROBE_CLIENTS clients,
// open loop) at PROBE_RATES requests/s for PROBE_SECONDS each, through the gateway and then
// straight to matching, and prints for each run the CPU time per request of the gateway,
// matching, the load generator, PostgreSQL (every `postgres` process on the machine, so other
// users of the server count too) and Redis, beside p50/p99 and, through a gateway, the share of
// requests that reached matching in batches (gateway/src/execution/subgraph-batch.ts). A request is one
// place or one cancel, as in bench:orders; "per order" figures elsewhere (order-latency.js) are
// place + cancel.
// Writes nothing to bench/results.
//
//   node bench/probes/order-flow-cpu.js
//   PROBE_CPU_PROF=/tmp/prof node bench/probes/order-flow-cpu.js   # gateway and matching under --cpu-prof
//
// Knobs: PROBE_RATES (600), PROBE_SECONDS (10), PROBE_CLIENTS (1000), PROBE_USERS (100),
// PROBE_PATHS (gateway,direct), BENCH_PORT_BASE, BENCH_DATABASE. With BENCH_BEFORE_ROOT (another
// checkout, built), its gateway runs too, on the same subgraphs, as path `before`: a before/after
// of a gateway change measured in the same run (PROBE_PATHS=before,gateway).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
process.env.BENCH_SERVICES ??= 'accounts,markets,matching';
const CPU_PROF = process.env.PROBE_CPU_PROF;
if (CPU_PROF) {
  process.env.BENCH_GATEWAY_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${CPU_PROF}`;
  process.env.BENCH_MATCHING_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${CPU_PROF}`;
}
const common = require('../lib/common.js');

const { intEnv, log, round } = common;
const RATES = (process.env.PROBE_RATES ?? '600').split(',').map(Number);
const SECONDS = intEnv('PROBE_SECONDS', 10);
const CLIENTS = intEnv('PROBE_CLIENTS', 1000);
const USERS = intEnv('PROBE_USERS', 100);
const WARMUP_S = 2;
const PATHS = (process.env.PROBE_PATHS ?? 'gateway,direct').split(',');

/** CPU ms of every process whose name (comm) is `name`, by pid. */
function cpuByComm(name) {
  const out = new Map();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm !== name) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // the process ended between readdir and read
    }
  }
  return out;
}
const sumDelta = (before, after) => [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/** CPU ms of this process's reaped children (the load generator, once it has exited). */
function childrenCpuMs() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** The gateway's batch counters (0 for a gateway without them). */
async function batchStats(gatewayUrl) {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const sample = (name) => Number(text.split('\n').find((line) => /^[a-z_]+[{ ]/.exec(line)?.[0].slice(0, -1) === name)?.split(' ').pop() ?? 0);
  return { batches: sample('gateway_subgraph_batches_total'), fetches: sample('gateway_subgraph_batched_fetches_total') };
}

async function main() {
  const system = await common.startBenchSystem('order-flow-cpu', { portBase: intEnv('BENCH_PORT_BASE', 56000) + 60 });
  const stops = [() => system.stop()];
  const stopAll = common.stopOnExit(stops);
  try {
    const users = await common.signUpUsers(system.graphqlUrl, USERS);
    await common.creditTraders(system.graphqlUrl, users);
    const urls = { gateway: system.graphqlUrl, direct: `http://127.0.0.1:${system.portBase + 6}/graphql` };
    const gatewayPids = { gateway: system.children.gateway.pid, direct: system.children.gateway.pid };
    if (process.env.BENCH_BEFORE_ROOT) {
      const port = system.portBase + 13;
      const out = fs.openSync(path.join(system.logDir, 'gateway-before.log'), 'a');
      const before = spawn(process.execPath, [path.join(process.env.BENCH_BEFORE_ROOT, 'gateway', 'dist', 'index.js')], {
        env: { ...system.env, GATEWAY_PORT: String(port) },
        stdio: ['ignore', out, out],
      });
      stops.push(() => common.stopChildren([before], 3000));
      await common.waitForHealth(`http://127.0.0.1:${port}/health`, before, 'gateway-before', 60_000);
      urls.before = `http://127.0.0.1:${port}/graphql`;
      gatewayPids.before = before.pid;
    }
    let run = 0;
    for (const rate of RATES) {
      for (const via of PATHS) {
        run += 1;
        const pids = { gateway: gatewayPids[via], matching: system.children.matching.pid };
        const before = {
          gateway: common.cpuMsOf(pids.gateway),
          matching: common.cpuMsOf(pids.matching),
          load: childrenCpuMs(),
          postgres: cpuByComm('postgres'),
          redis: cpuByComm('redis-server'),
        };
        const gatewayUrl = `http://127.0.0.1:${new URL(urls[via]).port}`;
        const batchesBefore = via === 'direct' ? null : await batchStats(gatewayUrl);
        const r = await common.runLoad('http-load.js', {
          url: urls[via],
          mode: 'open',
          rate,
          connections: CLIENTS,
          clients: CLIENTS,
          durationS: SECONDS,
          warmupS: WARMUP_S,
          requests: 'requests/orders.js',
          tokens: users.map((u) => u.token),
          runId: `${Date.now().toString(36)}p${run}`,
        });
        // The CPU covers the warm-up too (1,000 connections are opened then), so it divides by
        // every request sent in both phases.
        const sent = Math.round(rate * (WARMUP_S + SECONDS));
        const per = (ms) => round(ms / Math.max(1, sent), 3);
        const cpu = {
          gateway: per(common.cpuMsOf(pids.gateway) - before.gateway),
          matching: per(common.cpuMsOf(pids.matching) - before.matching),
          load: per(childrenCpuMs() - before.load),
          postgres: per(sumDelta(before.postgres, cpuByComm('postgres'))),
          redis: per(sumDelta(before.redis, cpuByComm('redis-server'))),
        };
        // How the gateway's subgraph fetches went: in batches (gateway/src/execution/subgraph-batch.ts) or alone.
        let batching = '';
        if (batchesBefore) {
          const after = await batchStats(gatewayUrl);
          const batches = after.batches - batchesBefore.batches;
          const inBatches = after.fetches - batchesBefore.fetches;
          batching = ` | ${round((100 * inBatches) / Math.max(1, sent))} % of requests in ${batches} batches (${round(inBatches / Math.max(1, batches))} each)`;
        }
        log(
          `${via.padEnd(7)} ${rate}/s: ${r.ok_per_s} ok/s, p50 ${r.p50_ms} p99 ${r.p99_ms} ms, errors ${r.errors}${batching} | CPU ms/request ` +
            `${Object.entries(cpu)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')} | load ${os.loadavg().map((l) => round(l, 2)).join(' ')}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
