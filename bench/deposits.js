// npm run bench:deposits — the chain watcher (README, "Deposits"): BENCH_USERS (1,000) users with
// a deposit address each on the settlement chain (a local hardhat node, launcher/src/devnet.ts),
// and BENCH_DEPOSITS (10,000) USDC transfers to them spread over BENCH_BLOCKS (1,000) blocks,
// made while funding is stopped. Then:
// - catch-up: funding starts again and its watcher reads every block from where it stopped
//   (blocks/s, deposits/s from funding ready to the last deposit credited in matching);
// - live: BENCH_LIVE_ROUNDS rounds of 10 deposits in one block, then the block that gives them
//   their last confirmation; latency = the credit (the deposit row's updated_at as it turns
//   `credited`) − the moment that block was mined (p50/p99);
// - RPC calls per block: funding's own counters (funding_chain_rpc_calls_total over
//   funding_chain_blocks_read_total) over both phases.
// The watcher polls every BENCH_WATCH_INTERVAL_MS (100 ms here; FUNDING_WATCH_INTERVAL_MS is 500 by
// default), which bounds the live latency from below. Writes bench/results/deposits.json.
const path = require('node:path');
const { Client: PgClient } = require('pg');
const { Contract, JsonRpcProvider, Wallet } = require('ethers');
const common = require('./lib/common.js');

const { intEnv, log, round } = common;
const DEPOSITS = intEnv('BENCH_DEPOSITS', 10_000);
const USERS = intEnv('BENCH_USERS', 1_000);
const BLOCKS = intEnv('BENCH_BLOCKS', 1_000);
const LIVE_ROUNDS = intEnv('BENCH_LIVE_ROUNDS', 20);
const WATCH_INTERVAL_MS = intEnv('BENCH_WATCH_INTERVAL_MS', 100);
const WAIT_MS = intEnv('BENCH_WAIT_MS', 600_000);
const CHAIN = 'arbitrum';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function sql(url, text, params = []) {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** funding's watcher counters for the chain: JSON-RPC calls and blocks read. */
async function watcherCounters(fundingUrl) {
  const text = await (await fetch(`${fundingUrl}/metrics`, { headers: { 'x-internal-token': process.env.INTERNAL_API_TOKEN ?? '' } })).text();
  const value = (name) => Number(new RegExp(`^${name}\\{[^}]*chain="${CHAIN}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { calls: value('funding_chain_rpc_calls_total'), blocks: value('funding_chain_blocks_read_total') };
}

async function waitCredited(dbUrl, count, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const [{ credited, total }] = await sql(
      dbUrl,
      "select count(*) filter (where status = 'credited')::int as credited, count(*)::int as total from funding.deposits where network = $1",
      [CHAIN],
    );
    if (credited >= count) return;
    if (Date.now() > deadline) throw new Error(`${what}: ${credited} of ${count} credited (${total} found) after ${WAIT_MS} ms`);
    await sleep(20);
  }
}

/**
 * Mints `amounts[i]` USDC units to `recipients[i]`, `perBlock` transfers in each block: automine
 * off, the signed transactions sent in one JSON-RPC batch, then `evm_mine`. Returns the time each
 * block was mined.
 */
async function mintInBlocks(provider, minter, token, recipients, perBlock, nonceStart) {
  const iface = token.interface;
  const chainId = (await provider.getNetwork()).chainId;
  let nonce = nonceStart;
  const minedAt = [];
  for (let i = 0; i < recipients.length; i += perBlock) {
    const slice = recipients.slice(i, i + perBlock);
    const raws = await Promise.all(
      slice.map((to, j) =>
        minter.signTransaction({
          to: token.target,
          data: iface.encodeFunctionData('mint', [to, 1_000_000n + BigInt(i + j)]),
          nonce: nonce + j,
          gasLimit: 100_000n,
          gasPrice: 0n,
          chainId,
          type: 0,
        }),
      ),
    );
    nonce += slice.length;
    await Promise.all(raws.map((raw) => provider.send('eth_sendRawTransaction', [raw])));
    await provider.send('evm_mine', []);
    minedAt.push(Date.now());
  }
  return { nonce, minedAt };
}

async function main() {
  const { startDevnets } = require(path.join(common.ROOT, 'launcher', 'dist', 'devnet.js'));
  const { devnetChains, DEVNET_DEPLOYER_KEY, DEVNET_TOKENS } = require(path.join(common.ROOT, 'shared', 'dist', 'index.js'));
  const chainBase = common.benchPortBase(120);
  const specs = devnetChains(chainBase);
  log(`starting the local chains on ${chainBase + 545}, ${chainBase + 546}`);
  const chains = await startDevnets(specs, { blockMs: 0, logFile: path.join(common.ROOT, '.data', 'bench-deposits-chains.log') });
  const stops = [() => Promise.all(chains.map((chain) => chain.stop()))];
  const stopAll = common.stopOnExit(stops);
  try {
    const system = await common.startBenchSystem('deposits', {
      portBase: common.benchPortBase(140),
      env: { CHAINS: JSON.stringify(specs), FUNDING_WATCH_INTERVAL_MS: String(WATCH_INTERVAL_MS), FUNDING_DEVNET: 'on' },
    });
    stops.unshift(() => system.stop());
    const fundingUrl = `http://127.0.0.1:${system.portBase + 4}`;
    const spec = specs.find((c) => c.name === CHAIN);
    const provider = new JsonRpcProvider(spec.rpcUrl, spec.chainId, { staticNetwork: true, batchMaxCount: 100, cacheTimeout: -1 });
    const minter = new Wallet(DEVNET_DEPLOYER_KEY, provider);
    const usdc = new Contract(DEVNET_TOKENS.find((t) => t.symbol === 'USDC').address, ['function mint(address to, uint256 value)'], minter);

    const users = await common.signUpUsers(system.graphqlUrl, USERS);
    const addresses = await common.inParallel(users.length, 8, async (i) => {
      const data = await common.gql(system.graphqlUrl, `mutation { depositAddress(chain: "${CHAIN}") { address } }`, {}, users[i].token);
      return data.depositAddress.address;
    });
    log(`${addresses.length} deposit addresses`);
    // Let the watcher take the addresses into its book, then stop funding.
    await sleep(WATCH_INTERVAL_MS * 5 + 500);
    await common.stopChildren([system.children.funding], 10_000);
    log('funding stopped');

    await provider.send('evm_setAutomine', [false]);
    const recipients = Array.from({ length: DEPOSITS }, (_, i) => addresses[i % addresses.length]);
    const perBlock = Math.ceil(DEPOSITS / BLOCKS);
    const made = Date.now();
    let { nonce } = await mintInBlocks(provider, minter, usdc, recipients, perBlock, await provider.getTransactionCount(minter.address));
    // Enough blocks after the last for every deposit to be confirmed.
    await provider.send('hardhat_mine', [`0x${spec.confirmations.toString(16)}`]);
    const head = Number(await provider.send('eth_blockNumber', []));
    log(`${DEPOSITS} deposits in ${Math.ceil(DEPOSITS / perBlock)} blocks made in ${((Date.now() - made) / 1000).toFixed(1)} s (head ${head})`);

    // Catch-up: funding again, from where it stopped.
    const { spawn } = require('node:child_process');
    const fs = require('node:fs');
    const out = fs.openSync(path.join(system.logDir, 'funding.log'), 'a');
    system.children.funding = spawn(process.execPath, [path.join(common.SYSTEM_ROOT, 'subgraphs/funding/dist/index.js')], { env: system.env, stdio: ['ignore', out, out] });
    await common.waitForHealth(`${fundingUrl}/health`, system.children.funding, 'funding', 120_000);
    const caughtFrom = Date.now();
    await waitCredited(system.databaseUrl, DEPOSITS, 'catch-up');
    const catchupMs = Date.now() - caughtFrom;
    const afterCatchup = await watcherCounters(fundingUrl);
    log(`catch-up: ${DEPOSITS} deposits credited ${catchupMs} ms after funding was ready (${afterCatchup.blocks} blocks read, ${afterCatchup.calls} RPC calls)`);

    // Live: 10 deposits in a block, then the block that confirms them; the credit's time against that block's.
    const latencies = [];
    for (let round_ = 0; round_ < LIVE_ROUNDS; round_++) {
      const batch = Array.from({ length: 10 }, (_, i) => addresses[(round_ * 10 + i) % addresses.length]);
      const startedAt = new Date();
      ({ nonce } = await mintInBlocks(provider, minter, usdc, batch, 10, nonce));
      const blocksToConfirm = spec.confirmations - 1;
      if (blocksToConfirm > 0) await provider.send('hardhat_mine', [`0x${blocksToConfirm.toString(16)}`]);
      const confirmedAt = Date.now();
      await waitCredited(system.databaseUrl, DEPOSITS + (round_ + 1) * 10, `live round ${round_ + 1}`);
      const rows = await sql(
        system.databaseUrl,
        "select (extract(epoch from updated_at) * 1000)::float8 as at from funding.deposits where network = $1 and status = 'credited' and created_at >= $2",
        [CHAIN, startedAt],
      );
      for (const { at } of rows) latencies.push(Math.max(0, at - confirmedAt));
    }
    latencies.sort((a, b) => a - b);
    const counters = await watcherCounters(fundingUrl);
    provider.destroy();

    const result = {
      deposits: DEPOSITS,
      users: USERS,
      blocks: Math.ceil(DEPOSITS / perBlock),
      catchup_ms: catchupMs,
      catchup_blocks_per_s: round(afterCatchup.blocks / (catchupMs / 1000), 1),
      catchup_deposits_per_s: round(DEPOSITS / (catchupMs / 1000), 1),
      live_deposits: latencies.length,
      credit_p50_ms: latencies.length ? round(percentile(latencies, 50), 1) : null,
      credit_p99_ms: latencies.length ? round(percentile(latencies, 99), 1) : null,
      rpc_calls_per_block: round(counters.calls / Math.max(1, counters.blocks), 3),
      watch_interval_ms: WATCH_INTERVAL_MS,
    };
    log(
      `catch-up ${result.catchup_deposits_per_s} deposits/s, ${result.catchup_blocks_per_s} blocks/s; ` +
        `credit after the confirming block p50 ${result.credit_p50_ms} ms, p99 ${result.credit_p99_ms} ms (${latencies.length} live deposits); ` +
        `${result.rpc_calls_per_block} RPC calls per block`,
    );
    common.writeResult('deposits', result);
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
