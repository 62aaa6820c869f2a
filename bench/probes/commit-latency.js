// Probe: how long one durable Postgres commit takes on this machine, and how often it takes far
// longer — the floor under bench:orders, whose every acknowledgement waits for the engine's batch
// to commit (WAL flushed to disk). Not a benchmark of the project: a reading of the machine.
//
//   node bench/probes/commit-latency.js
//
// One connection commits one-row inserts back to back for PROBE_SECONDS (20) into a table of its
// own (dropped afterwards) and prints p50/p99/max and every commit slower than 20 ms with the
// second it happened in. A disk whose flushes stall now and then shows up here with no other load.
const { Client } = require('pg');
const common = require('../lib/common.js');

const SECONDS = common.intEnv('PROBE_SECONDS', 20);
const SLOW_MS = 20;

async function main() {
  const db = new Client({ connectionString: common.DATABASE_URL });
  await db.connect();
  const table = `commit_latency_probe_${process.pid}`;
  await db.query(`create table ${table} (id bigserial primary key, at timestamptz not null default now())`);
  try {
    const settings = await db.query(
      "select name, setting from pg_settings where name in ('synchronous_commit', 'wal_sync_method', 'fsync')",
    );
    const latencies = [];
    const slow = [];
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      const started = process.hrtime.bigint();
      await db.query(`insert into ${table} default values`);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      latencies.push(ms);
      if (ms > SLOW_MS) slow.push({ at: new Date().toISOString().slice(11, 23), ms: common.round(ms, 1) });
    }
    latencies.sort((a, b) => a - b);
    const at = (q) => common.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))], 2);
    console.log(
      `${latencies.length} commits in ${SECONDS} s (${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}): ` +
        `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, p99.9 ${at(0.999)} ms, max ${common.round(latencies.at(-1), 1)} ms; ` +
        `${slow.length} slower than ${SLOW_MS} ms`,
    );
    if (slow.length) console.log(slow.map((s) => `${s.at} ${s.ms} ms`).join('\n'));
  } finally {
    await db.query(`drop table ${table}`);
    await db.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
