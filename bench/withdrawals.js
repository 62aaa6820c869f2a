// npm run bench:withdrawals — withdrawals (README, "Withdrawals"): BENCH_WITHDRAWALS (200) users,
// each with TOTP on and 100 USDC, send one withdrawal of 1 USDC each at the same moment, to an
// address of its own on the settlement chain (a local hardhat node that mines each transaction,
// launcher/src/devnet.ts). Measured:
// - accepted_per_s: requests answered `requested` per second, first sent → last answered;
// - broadcast_per_s: withdrawals sent to the chain per second, first sent → the last `broadcast`;
// - nonce_gaps: nonces the hot wallet skipped (between the lowest and highest used, and against
//   the chain's own transaction count) — must be 0;
// - duplicates: a nonce used by two withdrawals, or a recipient paid other than exactly once — must be 0.
// Writes bench/results/withdrawals.json.
const path = require('node:path');
const { Client: PgClient } = require('pg');
const { JsonRpcProvider, Wallet } = require('ethers');
const { Secret, TOTP } = require('otpauth');
const common = require('./lib/common.js');

const { intEnv, log, round } = common;
const REQUESTS = intEnv('BENCH_WITHDRAWALS', 200);
const WAIT_MS = intEnv('BENCH_WAIT_MS', 600_000);
const CHAIN = 'arbitrum';
const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sql(url, text, params = []) {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function post(url, query, variables, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

async function main() {
  const { startDevnets } = require(path.join(common.ROOT, 'launcher', 'dist', 'devnet.js'));
  const { devnetChains } = require(path.join(common.ROOT, 'shared', 'dist', 'index.js'));
  const chainBase = common.benchPortBase(160);
  const specs = devnetChains(chainBase);
  log(`starting the local chains on ${chainBase + 545}, ${chainBase + 546}`);
  const chains = await startDevnets(specs, { blockMs: 0, logFile: path.join(common.ROOT, '.data', 'bench-withdrawals-chains.log') });
  const stops = [() => Promise.all(chains.map((chain) => chain.stop()))];
  const stopAll = common.stopOnExit(stops);
  try {
    const system = await common.startBenchSystem('withdrawals', {
      portBase: common.benchPortBase(180),
      env: { CHAINS: JSON.stringify(specs), FUNDING_WATCH_INTERVAL_MS: '100', FUNDING_DEVNET: 'on' },
    });
    stops.unshift(() => system.stop());
    const spec = specs.find((c) => c.name === CHAIN);
    const provider = new JsonRpcProvider(spec.rpcUrl, spec.chainId, { staticNetwork: true, cacheTimeout: -1 });

    const users = await common.signUpUsers(system.graphqlUrl, REQUESTS);
    const totps = await common.inParallel(users.length, 8, async (i) => {
      const user = users[i];
      const enrol = await common.gql(system.graphqlUrl, 'mutation { enrolTwoFactor { secret } }', {}, user.token);
      const totp = new TOTP({ secret: Secret.fromBase32(enrol.enrolTwoFactor.secret) });
      await common.gql(system.graphqlUrl, 'mutation ($c: String!) { confirmTwoFactor(code: $c) { recoveryCodes } }', { c: totp.generate() }, user.token);
      await common.gql(
        system.graphqlUrl,
        'mutation ($k: String!) { creditDemoFunds(asset: "USDC", amount: "100", idempotencyKey: $k) { available } }',
        { k: `bench-${user.id}` },
        user.token,
      );
      return totp;
    });
    log(`${users.length} users with 2FA and 100 USDC`);
    const recipients = users.map(() => Wallet.createRandom().address);

    // Each user's next step's code: the current step's was spent on confirmTwoFactor.
    const step = Math.floor(Date.now() / 30_000) + 1;
    const started = Date.now();
    let lastAnswer = started;
    const answers = await Promise.all(
      users.map(async (user, i) => {
        const body = await post(
          system.graphqlUrl,
          'mutation ($input: RequestWithdrawalInput!) { requestWithdrawal(input: $input) { id status } }',
          { input: { asset: 'USDC', chain: CHAIN, toAddress: recipients[i], amount: '1', idempotencyKey: `bench-${i}`, twoFactorCode: totps[i].generate({ timestamp: step * 30_000 + 1 }) } },
          user.token,
        );
        lastAnswer = Math.max(lastAnswer, Date.now());
        return body;
      }),
    );
    const accepted = answers.filter((a) => a.data?.requestWithdrawal?.status === 'requested').length;
    const refused = answers.filter((a) => !a.data?.requestWithdrawal);
    if (refused.length > 0) log(`${refused.length} refused, e.g. ${JSON.stringify(refused[0].errors)}`);
    const acceptSeconds = (lastAnswer - started) / 1000;
    log(`${accepted} of ${REQUESTS} accepted in ${acceptSeconds.toFixed(2)} s`);

    const deadline = Date.now() + WAIT_MS;
    let sentAt = null;
    for (;;) {
      const [{ sent }] = await sql(system.databaseUrl, "select count(*)::int as sent from funding.withdrawals where status in ('broadcast', 'completed')");
      if (sent >= accepted) {
        sentAt = Date.now();
        break;
      }
      if (Date.now() > deadline) throw new Error(`${sent} of ${accepted} broadcast after ${WAIT_MS} ms`);
      await sleep(20);
    }
    const broadcastSeconds = (sentAt - started) / 1000;
    log(`${accepted} broadcast in ${broadcastSeconds.toFixed(2)} s`);

    await provider.send('hardhat_mine', ['0x3']);
    const rows = await sql(system.databaseUrl, 'select nonce::int as nonce, from_address as "from" from funding.withdrawals where nonce is not null order by nonce');
    const nonces = rows.map((r) => r.nonce);
    const distinct = new Set(nonces);
    const chainCount = rows.length > 0 ? await provider.getTransactionCount(rows[0].from, 'latest') : 0;
    const span = nonces.length > 0 ? nonces[nonces.length - 1] - nonces[0] + 1 : 0;
    const nonceGaps = span - distinct.size + (nonces.length > 0 ? Math.abs(chainCount - (nonces[nonces.length - 1] + 1)) : 0);
    const paid = await common.inParallel(recipients.length, 16, async (i) =>
      BigInt(await provider.send('eth_call', [{ to: USDC, data: `0x70a08231${recipients[i].slice(2).toLowerCase().padStart(64, '0')}` }, 'latest'])),
    );
    const accepteds = new Set(answers.map((a, i) => (a.data?.requestWithdrawal ? i : -1)).filter((i) => i >= 0));
    const wrongPayments = paid.filter((units, i) => units !== (accepteds.has(i) ? 1_000_000n : 0n)).length;
    const duplicates = nonces.length - distinct.size + wrongPayments;
    provider.destroy();

    const result = {
      requests: REQUESTS,
      accepted,
      accepted_per_s: round(accepted / acceptSeconds, 1),
      broadcast_per_s: round(accepted / broadcastSeconds, 1),
      nonce_gaps: nonceGaps,
      duplicates,
    };
    log(JSON.stringify(result));
    common.writeResult('withdrawals', result);
  } finally {
    await stopAll();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
