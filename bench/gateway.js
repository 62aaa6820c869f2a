// npm run bench:gateway — our gateway against stock @apollo/gateway + @apollo/server and against
// @graphql-hive/gateway, on the same subgraph processes, supergraph and query mix, in one run.
// Each gateway gets the same closed-loop load (a fixed number of requests in flight) in turn,
// for several interleaved rounds so a noisy neighbour hurts all three alike; the median round
// counts. Also recorded: each gateway's CPU time per request, which the machine's noise
// disturbs less than wall-clock throughput.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const common = require('./lib/common.js');
const { MARKET_DATA, USER_VIEW } = require('./requests/gateway-mix.js');

const { intEnv, log, round } = common;
const USERS = intEnv('BENCH_USERS', 100);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 50);
const SECONDS = intEnv('BENCH_SECONDS', 12);
const ROUNDS = intEnv('BENCH_ROUNDS', process.env.BENCH_BEFORE_ROOT ? 2 : 3);

async function waitForGraphQL(url, child, name, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not answer at ${url}`);
}

function launchPeer(name, args, logDir, env = { ...process.env, NODE_ENV: 'production' }) {
  const out = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, args, { cwd: __dirname, stdio: ['ignore', out, out], env });
  return {
    child,
    stop: () => common.stopChildren([child], 3000),
  };
}

/** The same answers from every gateway (except `me`, which differs by user by design). */
async function sameAnswers(urls, token) {
  const answers = [];
  for (const url of urls) {
    const market = await common.gql(url, MARKET_DATA, {}, token);
    const user = await common.gql(url, USER_VIEW, {}, token);
    answers.push(JSON.stringify([market, user]));
  }
  if (new Set(answers).size !== 1) throw new Error(`the gateways answer differently:\n${answers.map((a) => a.slice(0, 400)).join('\n')}`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const system = await common.startBenchSystem('gateway');
  const stops = [() => system.stop()];
  const stopAll = common.stopOnExit(stops);
  try {
    await compare(system, stops);
  } finally {
    await stopAll();
  }
}

async function compare(system, stops) {
  const logDir = path.join(common.ROOT, '.data', 'bench-logs-gateway');
  const supergraphFile = path.join(logDir, 'supergraph.graphql');
  fs.writeFileSync(supergraphFile, common.supergraphFor(system.portBase));
  const stockPort = system.portBase + 10;
  const hivePort = system.portBase + 11;
  const stock = launchPeer('stock', [path.join(__dirname, 'peers', 'apollo-stock.js'), supergraphFile, String(stockPort)], logDir);
  const hive = launchPeer(
    'hive',
    [
      path.join(path.dirname(require.resolve('@graphql-hive/gateway')), 'bin.js'),
      'supergraph',
      supergraphFile,
      '--port',
      String(hivePort),
      '--host',
      '127.0.0.1',
      '-c',
      path.join(__dirname, 'peers', 'hive-gateway.config.js'),
    ],
    logDir,
  );
  stops.push(
    () => stock.stop(),
    () => hive.stop(),
  );
  // BENCH_BEFORE_ROOT: also run our gateway as built in another checkout (say, before a change)
  // on the same subgraphs, for a before/after measured in the same run.
  const beforeRoot = process.env.BENCH_BEFORE_ROOT;
  const before = beforeRoot
    ? launchPeer('ours-before', [path.join(beforeRoot, 'gateway', 'dist', 'index.js')], logDir, {
        ...system.env,
        GATEWAY_PORT: String(system.portBase + 13),
      })
    : null;
  if (before) stops.push(() => before.stop());
  {
    const gateways = [
      { name: 'ours', url: system.graphqlUrl, pid: system.children.gateway.pid },
      { name: 'stock', url: `http://127.0.0.1:${stockPort}/graphql`, pid: stock.child.pid },
      { name: 'peer', url: `http://127.0.0.1:${hivePort}/graphql`, pid: hive.child.pid },
      ...(before ? [{ name: 'before', url: `http://127.0.0.1:${system.portBase + 13}/graphql`, pid: before.child.pid }] : []),
    ];
    if (before) await waitForGraphQL(gateways[3].url, before.child, 'our gateway before');
    await waitForGraphQL(gateways[1].url, stock.child, 'stock gateway');
    await waitForGraphQL(gateways[2].url, hive.child, 'hive gateway');
    const users = await common.signUpUsers(system.graphqlUrl, USERS);
    await common.seedTraders(system.graphqlUrl, users);
    await sameAnswers(
      gateways.map((g) => g.url),
      users[0].token,
    );
    log(`all three gateways give the same answers; ${ROUNDS} rounds of ${SECONDS} s at concurrency ${CONCURRENCY}`);

    const runs = Object.fromEntries(gateways.map((g) => [g.name, []]));
    for (let round_ = 0; round_ < ROUNDS; round_ += 1) {
      for (const gateway of gateways) {
        const cpuBefore = common.cpuMsOf(gateway.pid);
        // Where the machine's CPU goes while this gateway is loaded: the gateway itself, the
        // subgraphs it calls (the same work behind all three), Postgres and Redis.
        const breakdown = common.cpuBreakdown({
          gateway: gateway.pid,
          ...Object.fromEntries(
            Object.entries(system.children)
              .filter(([name]) => name !== 'gateway')
              .map(([name, child]) => [name, child.pid]),
          ),
        });
        const result = await common.runLoad('http-load.js', {
          url: gateway.url,
          mode: 'closed',
          concurrency: CONCURRENCY,
          connections: CONCURRENCY,
          durationS: SECONDS,
          warmupS: 2,
          requests: 'requests/gateway-mix.js',
          tokens: users.map((u) => u.token),
        });
        const cpuMs = common.cpuMsOf(gateway.pid) - cpuBefore;
        result.cpu_cores = breakdown.stop();
        // CPU of warm-up and measured phase over the requests of both (approximately: the
        // warm-up ran at the same rate).
        result.cpu_ms_per_request = round(cpuMs / (result.completed * ((SECONDS + 2) / SECONDS)), 3);
        runs[gateway.name].push(result);
        log(
          `round ${round_ + 1} ${gateway.name.padEnd(5)} ${result.rps} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, ` +
            `${result.cpu_ms_per_request} CPU ms/request, errors ${result.errors}${result.errors ? ` ${result.error_samples[0]}` : ''}\n` +
            `  cores: ${common.coresText(result.cpu_cores)}`,
        );
      }
    }
    const summary = Object.fromEntries(
      gateways.map(({ name }) => {
        const list = runs[name];
        return [
          name,
          {
            rps: median(list.map((r) => r.rps)),
            p50_ms: median(list.map((r) => r.p50_ms)),
            p99_ms: median(list.map((r) => r.p99_ms)),
            cpu_ms_per_request: median(list.map((r) => r.cpu_ms_per_request)),
            errors: list.reduce((sum, r) => sum + r.errors, 0),
          },
        ];
      }),
    );
    const result = {
      ours_rps: summary.ours.rps,
      stock_rps: summary.stock.rps,
      peer_rps: summary.peer.rps,
      ratio_stock: round(summary.ours.rps / summary.stock.rps),
      ratio_peer: round(summary.ours.rps / summary.peer.rps),
      ours_p99_ms: summary.ours.p99_ms,
      concurrency: CONCURRENCY,
      seconds_per_round: SECONDS,
      rounds: ROUNDS,
      users: USERS,
      // The same comparison in CPU time per request, which is less disturbed by other work.
      cpu_ratio_stock: round(summary.stock.cpu_ms_per_request / summary.ours.cpu_ms_per_request),
      cpu_ratio_peer: round(summary.peer.cpu_ms_per_request / summary.ours.cpu_ms_per_request),
      gateways: summary,
      runs,
      ...(summary.before
        ? {
            before_rps: summary.before.rps,
            ratio_before: round(summary.ours.rps / summary.before.rps),
            cpu_ratio_before: round(summary.before.cpu_ms_per_request / summary.ours.cpu_ms_per_request),
          }
        : {}),
      peer_versions: {
        stock: `@apollo/gateway ${require('@apollo/gateway/package.json').version}`,
        peer: `@graphql-hive/gateway ${require('@graphql-hive/gateway/package.json').version}`,
      },
    };
    for (const { name } of gateways) {
      const s = summary[name];
      console.log(
        `${name.padEnd(5)} ${String(s.rps).padStart(8)} req/s  p50 ${s.p50_ms} ms  p99 ${s.p99_ms} ms  ${s.cpu_ms_per_request} CPU ms/req  errors ${s.errors}`,
      );
    }
    console.log(
      `ours/stock ${result.ratio_stock}×  ours/peer ${result.ratio_peer}×  (CPU per request: ${result.cpu_ratio_stock}×, ${result.cpu_ratio_peer}×)`,
    );
    if (summary.before) console.log(`ours/ours-before ${result.ratio_before}×  (CPU per request: ${result.cpu_ratio_before}×)`);
    common.writeResult('gateway', result);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
