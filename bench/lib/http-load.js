// HTTP load generator, run as its own process by the benchmarks (lib/common.js runLoad). Reads
// its config as JSON on stdin, prints one JSON line of results on stdout.
//
// Two modes:
// - closed: `concurrency` requests always in flight (the classic RPS figure at a fixed
//   concurrency, as for the gateway comparison);
// - open: requests start at a fixed offered `rate` whatever the server does, and latency counts
//   from when each request was due, so queueing shows up (no coordinated omission).
//
// Requests come from `requests` (a module exporting `makeRequest(i, config)` → {headers, body})
// so each request can carry its own authorization and ids. A response is an error when the HTTP
// status is not 200 or its body has a GraphQL `errors` member.
const path = require('node:path');
const { Pool } = require('undici');
const hdr = require('hdr-histogram-js');
const { readConfig } = require('./common.js');

function histogram() {
  return hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

async function main() {
  const config = await readConfig();
  const { makeRequest } = require(path.resolve(__dirname, '..', config.requests));
  const url = new URL(config.url);
  const pool = new Pool(url.origin, {
    connections: config.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const latency = histogram();
  // Per measured second (by when requests were due): how many took longer than `lateMs`, and the worst.
  const lateMs = config.lateMs ?? 50;
  const bySecond = [];
  let measuredFrom = 0;
  const errorSamples = [];
  let index = config.startIndex ?? 0;
  let recording = false;
  let completed = 0;
  let errors = 0;
  let inFlight = 0;

  const fire = (dueAt) => {
    const { headers, body } = makeRequest(index++, config);
    inFlight += 1;
    const measured = recording;
    const id = index;
    outstanding.set(id, dueAt);
    return pool
      .request({ path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...config.headers, ...headers }, body })
      .then(async (response) => {
        const text = await response.body.text();
        const failed = response.statusCode !== 200 || text.startsWith('{"errors"') || text.includes('"errors":[');
        return { failed, sample: failed ? `${response.statusCode} ${text.slice(0, 300)}` : null };
      })
      .catch((error) => ({ failed: true, sample: String(error?.message ?? error) }))
      .then(({ failed, sample }) => {
        inFlight -= 1;
        if (!outstanding.delete(id) || !measured) return;
        const micros = Math.max(1, Math.round((performance.now() - dueAt) * 1000));
        latency.recordValue(micros);
        const second = (bySecond[Math.max(0, Math.floor((dueAt - measuredFrom) / 1000))] ??= { late: 0, max_ms: 0 });
        if (micros > lateMs * 1000) second.late += 1;
        second.max_ms = Math.max(second.max_ms, Math.round(micros / 1000));
        completed += 1;
        if (failed) {
          errors += 1;
          if (errorSamples.length < 5) errorSamples.push(sample);
        }
      });
  };

  // An overloaded server can hold requests for a long time; after the schedule ends the
  // stragglers get `drainS` seconds, then count as errors (timed out) at the time waited.
  const drainMs = (config.drainS ?? 5) * 1000;
  let timedOut = 0;
  const outstanding = new Map();
  const drain = (pending) => {
    // The timer is cleared once everything has come back: left running it kept the process
    // (and so every benchmark step) alive for drainS more seconds.
    let timer;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, drainMs)));
    return Promise.race([Promise.all(pending), timeout]).then(() => {
      clearTimeout(timer);
      const now = performance.now();
      for (const [, dueAt] of outstanding) {
        if (!recording) continue;
        latency.recordValue(Math.max(1, Math.round((now - dueAt) * 1000)));
        completed += 1;
        errors += 1;
        timedOut += 1;
        if (errorSamples.length < 5) errorSamples.push(`no answer within ${drainMs} ms after the schedule ended`);
      }
      outstanding.clear();
    });
  };

  const warmupMs = (config.warmupS ?? 2) * 1000;
  const durationMs = config.durationS * 1000;
  let measuredMs = durationMs;

  if (config.mode === 'closed') {
    let stopAt = 0;
    const worker = async () => {
      while (performance.now() < stopAt) await fire(performance.now());
    };
    const warmEnd = performance.now() + warmupMs;
    stopAt = warmEnd;
    await Promise.all(Array.from({ length: config.concurrency }, worker));
    recording = true;
    const started = performance.now();
    measuredFrom = started;
    stopAt = started + durationMs;
    await Promise.all(Array.from({ length: config.concurrency }, worker));
    measuredMs = performance.now() - started;
  } else {
    // Open loop: the schedule is fixed in advance; a request is sent when it is due even if
    // earlier ones have not come back.
    const rate = config.rate;
    const phase = (lengthMs) =>
      new Promise((resolve) => {
        const start = performance.now();
        const total = Math.round((lengthMs / 1000) * rate);
        let sent = 0;
        const pending = [];
        const tick = () => {
          const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
          while (sent < due) {
            pending.push(fire(start + (sent * 1000) / rate));
            sent += 1;
          }
          if (sent < total) setTimeout(tick, 1);
          else resolve(drain(pending));
        };
        tick();
      });
    await phase(warmupMs);
    recording = true;
    const started = performance.now();
    measuredFrom = started;
    await phase(durationMs);
    measuredMs = performance.now() - started;
  }
  await (timedOut > 0 || inFlight > 0 ? pool.destroy() : pool.close());
  const ms = (percentile) => Math.round(latency.getValueAtPercentile(percentile) / 10) / 100;
  process.stdout.write(
    `${JSON.stringify({
      mode: config.mode,
      offered_per_s: config.mode === 'open' ? config.rate : null,
      completed,
      errors,
      error_samples: errorSamples,
      seconds: Math.round(measuredMs) / 1000,
      rps: Math.round((completed / measuredMs) * 100000) / 100,
      ok_per_s: Math.round(((completed - errors) / measuredMs) * 100000) / 100,
      p50_ms: ms(50),
      p90_ms: ms(90),
      p99_ms: ms(99),
      p999_ms: ms(99.9),
      max_ms: Math.round(latency.maxValue / 10) / 100,
      timed_out: timedOut,
      in_flight_at_end: inFlight,
      late_ms: lateMs,
      by_second: Array.from(bySecond, (second) => second ?? { late: 0, max_ms: 0 }),
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
