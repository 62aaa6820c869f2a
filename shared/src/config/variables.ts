import { z } from 'zod';
import { PORT_OFFSETS, SUBGRAPH_NAMES, type ProcessName, type SubgraphName } from '../contracts/processes';
import { parseChains, type ChainSpec } from './chains';

/**
 * Every environment variable the system reads, in one place: its type, its default and what it
 * means. `loadConfig()` (index.ts) parses them all once, at a process's start, so a bad value
 * stops the process with the variable's name instead of surfacing later as NaN. The README's
 * table of variables is checked against this list by a test (shared/test/config.test.ts).
 *
 * Values are strings in the environment; an empty string counts as unset.
 */

/** A variable: how to parse it, and the sentence the README's table says about it. */
export interface Variable<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  doc: string;
  /** Set by the system for its own processes (the launcher), not by an operator: not in the README. */
  internal?: true;
}

const variable = <Schema extends z.ZodType>(schema: Schema, doc: string, internal?: true): Variable<Schema> =>
  internal ? { schema, doc, internal } : { schema, doc };

// The vocabulary of value types. Messages name the rule; loadConfig adds the variable's name.
const whole = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback);
/** A whole number of at least 1 (limits and budgets: 0 would mean "never"). */
const positive = (fallback: number) => whole(fallback, 1);
/** A whole number of at least 0 (0 usually turns the thing off; the doc says). */
const count = (fallback: number) => whole(fallback, 0);
const milliseconds = (fallback: number, min = 1) => whole(fallback, min);
const port = () => z.coerce.number({ error: 'must be a port number' }).int().min(1).max(65_535).optional();
const text = () => z.string().optional();
const lowerTrim = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
/** `on`/`off` (also `true`/`false`, `1`/`0`), or unset for the default the code decides. */
const onOff = () =>
  z.preprocess(
    lowerTrim,
    z
      .enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'must be on or off' })
      .transform((value) => value === 'on' || value === 'true' || value === '1')
      .optional(),
  );
const choice = <const Values extends readonly [string, ...string[]]>(values: Values, fallback: Values[number]) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(fallback as never);

const processVariables = <Suffix extends string, Schema extends z.ZodType>(
  names: readonly ProcessName[],
  suffix: Suffix,
  make: (name: ProcessName) => Variable<Schema>,
) => Object.fromEntries(names.map((name) => [`${name.toUpperCase()}_${suffix}`, make(name)])) as Record<`${Uppercase<ProcessName>}_${Suffix}`, Variable<Schema>>;

const subgraphVariables = <Suffix extends string, Schema extends z.ZodType>(suffix: Suffix, make: (name: SubgraphName) => Variable<Schema>) =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_${suffix}`, make(name)])) as Record<
    `${Uppercase<SubgraphName>}_${Suffix}`,
    Variable<Schema>
  >;

const ATTEMPT_KINDS = ['LOGIN', 'TWO_FACTOR', 'SIWE'] as const;
type AttemptKind = (typeof ATTEMPT_KINDS)[number];
const attemptVariables = <Suffix extends string>(suffix: Suffix, fallback: (kind: AttemptKind) => number, doc: string) =>
  Object.fromEntries(ATTEMPT_KINDS.map((kind) => [`RATE_LIMIT_${kind}_${suffix}`, variable(positive(fallback(kind)), doc)])) as Record<
    `RATE_LIMIT_${AttemptKind}_${Suffix}`,
    Variable<ReturnType<typeof positive>>
  >;

const PROCESS_NAMES = Object.keys(PORT_OFFSETS) as ProcessName[];

export const VARIABLES = {
  // ── Where things are ────────────────────────────────────────────────────────────────────────
  DATABASE_URL: variable(text(), 'PostgreSQL for every subgraph (each uses its own schema); unset: the embedded PostgreSQL server'),
  REDIS_URL: variable(text(), 'Redis that carries events between processes; unset: in-process pub/sub'),
  REDIS_NAMESPACE: variable(z.string().default(''), 'prefix of every Redis channel and key, so several systems can share one Redis'),
  PORT_BASE: variable(whole(4000, 1, 65_000), 'gateway port; subgraphs take the next six'),
  ...processVariables(PROCESS_NAMES, 'PORT', () => variable(port(), "one process's port (default PORT_BASE + its offset)")),
  ...subgraphVariables('URL', () => variable(text(), 'where the gateway reaches a subgraph (WebSocket URL derived from it)')),
  JWKS_URL: variable(text(), "keys that verify access tokens (default accounts' /.well-known/jwks.json)"),
  DATA_DIR: variable(z.string().default('.data'), 'local state of the embedded mode'),
  EMBEDDED_PG_PORT: variable(port(), 'port of the embedded PostgreSQL (default PORT_BASE + 432)'),
  BIND_HOST: variable(z.string().default('127.0.0.1'), 'the address every process listens on'),
  API_KEY_EXCHANGE_URL: variable(text(), "where the gateway exchanges API keys (default accounts' /internal/api-keys/exchange)"),
  MARKETS_LISTING_URL: variable(text(), 'where matching and trading load the market listing (default MARKETS_URL with /listing)'),
  MARKETS_MATCHING_INTERNAL_URL: variable(text(), "where markets reads matching's /internal/trades (default MATCHING_URL without /graphql)"),

  // ── Process life ────────────────────────────────────────────────────────────────────────────
  NODE_ENV: variable(text(), '`production` turns off demo-only features'),
  SHUTDOWN_TIMEOUT_MS: variable(milliseconds(20_000, 100), 'longest orderly shutdown of a process'),
  RESTART_MIN_BACKOFF_MS: variable(count(500), 'supervisor: first delay before restarting a crashed process'),
  RESTART_MAX_BACKOFF_MS: variable(count(15_000), 'supervisor: longest delay before a restart'),
  RESTART_MAX_CRASHES: variable(count(5), 'supervisor: crashes of one process within the window that stop the system'),
  RESTART_CRASH_WINDOW_MS: variable(count(60_000), 'supervisor: the crash-loop window'),
  TRADEGRAPH_EMBEDDED: variable(text(), 'set to 1 by the launcher when every service runs in one process', true),
  TRADEGRAPH_SUPERVISOR_PID: variable(z.coerce.number().int().min(1).optional(), 'set by the supervisor: its pid, so a child stops when it dies', true),
  INTERNAL_API_TOKEN: variable(text(), 'the credential the processes send each other (default: made at first start in DATA_DIR)'),
  TRUSTED_PROXIES: variable(text(), 'proxies in front of the gateway whose X-Forwarded-For it believes'),
  TRUSTED_GATEWAYS: variable(z.string().default('loopback'), 'hops whose X-Forwarded-For a subgraph believes'),

  // ── Observability ───────────────────────────────────────────────────────────────────────────
  LOG_LEVEL: variable(choice(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'), 'pino level'),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable(text(), 'turns tracing on: base URL of an OTLP/HTTP collector'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: variable(text(), 'the full traces URL instead of the base'),
  OTEL_EXPORTER_OTLP_PROTOCOL: variable(text(), '`http/protobuf` (default) or `http/json`'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: variable(text(), 'the same, for traces only'),
  OTEL_SDK_DISABLED: variable(text(), '`true` turns tracing off even with an endpoint'),
  OTEL_SERVICE_NAME: variable(text(), "service.name of the process's spans (default: the process's name)"),
  APOLLO_TELEMETRY_DISABLED: variable(text(), "@apollo/gateway's usage reporting stays off unless `false`"),
  METRICS_OPERATION_NAMES_MAX: variable(count(200), "distinct operation names the gateway's per-operation metrics keep"),

  // ── Gateway ─────────────────────────────────────────────────────────────────────────────────
  INTROSPECTION: variable(onOff(), 'schema introspection (default on, off when NODE_ENV=production)'),
  SUBGRAPH_BATCH_MAX: variable(whole(64, 1, 256), 'fetches per batch the gateway sends one subgraph (1: every fetch alone)'),
  HTTP_KEEPALIVE_MS: variable(milliseconds(65_000, 1000), 'how long the gateway keeps an idle client HTTP connection'),
  WS_KEEPALIVE_MS: variable(count(12_000), 'WebSocket ping period (0: off)'),
  WS_MAX_MESSAGE_BYTES: variable(count(256 * 1024), 'largest WebSocket message a client may send (0: the default)'),
  WS_MAX_OPERATIONS_PER_SOCKET: variable(count(100), 'operations open at once on one WebSocket (0: no limit)'),
  WS_MAX_SOCKETS_PER_IP: variable(count(1000), 'sockets open at once per client address (0: no limit)'),
  WS_MAX_SOCKETS_PER_USER: variable(count(100), 'sockets open at once per user (0: no limit)'),
  API_KEY_RECHECK_SECONDS: variable(positive(30), 'how often the gateway re-checks the key of an open WebSocket'),
  QUERY_MAX_CHARACTERS: variable(positive(20_000), 'size limit of one operation'),
  QUERY_MAX_TOKENS: variable(positive(3_000), 'size limit of one operation'),
  QUERY_MAX_DEPTH: variable(positive(15), 'size limit of one operation'),
  QUERY_MAX_ALIASES: variable(positive(100), 'size limit of one operation'),
  QUERY_MAX_DIRECTIVES: variable(positive(50), 'size limit of one operation'),
  QUERY_MAX_FIELDS: variable(positive(2_000), 'size limit of one operation'),
  QUERY_MAX_COST: variable(positive(50_000), 'the most objects one operation may ask for'),
  QUERY_DEFAULT_LIST_SIZE: variable(positive(10), 'the size assumed for a list with no size argument'),
  CORS_ORIGINS: variable(z.string().optional(), 'origins (comma-separated, or *) a browser may call the gateway from; unset: none'),
  CORS_CREDENTIALS: variable(onOff(), 'on: cross-origin requests may carry credentials (cookies, HTTP auth)'),
  CORS_MAX_AGE_SECONDS: variable(count(600), 'how long a browser may reuse a preflight answer'),
  COMPRESSION_THRESHOLD_BYTES: variable(count(1024), 'gateway answers at least this large are compressed when the client accepts it'),
  COMPRESSION: variable(onOff(), '`off` turns response compression off'),
  RATE_LIMITS: variable(onOff(), '`off` turns the gateway rate limits off'),
  RATE_LIMIT_REQUESTS_PER_MINUTE: variable(positive(6000), 'operations per caller and per client address per minute'),
  RATE_LIMIT_COST_PER_MINUTE: variable(positive(500_000), "sum of operations' costs per caller per minute"),
  RATE_LIMIT_MONEY_PER_MINUTE: variable(positive(600), 'placeOrder, amendOrder and creditDemoFunds per caller per minute'),
  RATE_LIMIT_SIGNUPS_PER_MINUTE: variable(positive(10), 'signUp per client address per minute (gateway)'),

  // ── Accounts ────────────────────────────────────────────────────────────────────────────────
  TOKEN_ISSUER: variable(z.string().default('tradegraph-accounts'), '`iss` of access tokens'),
  TOKEN_AUDIENCE: variable(z.string().default('tradegraph'), '`aud` of access tokens'),
  SESSION_TTL_SECONDS: variable(positive(30 * 24 * 3600), 'longest life of a session'),
  REFRESH_TOKEN_TTL_SECONDS: variable(positive(14 * 24 * 3600), 'longest life of one refresh token'),
  SIGNING_KEY_MAX_AGE_SECONDS: variable(positive(30 * 24 * 3600), 'accounts signs with a new key after this age'),
  ...attemptVariables('PER_ACCOUNT_IP', () => 10, 'failed attempts per account from one address per window'),
  ...attemptVariables('PER_ACCOUNT', (kind) => (kind === 'TWO_FACTOR' ? 10 : 100), 'failed attempts per account per window'),
  ...attemptVariables('PER_IP', () => 300, 'failed attempts per address per window'),
  ...attemptVariables('WINDOW_SECONDS', () => 900, 'the window of failed attempts'),
  RATE_LIMIT_SIGNUP_PER_IP: variable(positive(30), 'signUps per client address per window (accounts)'),
  RATE_LIMIT_SIGNUP_WINDOW_SECONDS: variable(positive(3600), 'the signUp window'),
  SIWE_DOMAIN: variable(text(), 'the domain a Sign-In with Ethereum message must name (default 127.0.0.1:<gateway port>, the address the start-up line names)'),
  SIWE_URI: variable(text(), 'the origin the message URI must be on (default http://<SIWE_DOMAIN>)'),
  SIWE_CHAIN_IDS: variable(z.string().default('1'), 'comma-separated chain ids accepted in SIWE messages'),
  SIWE_NONCE_TTL_SECONDS: variable(positive(300), 'how long a SIWE or wallet-link nonce works'),
  OIDC_PROVIDERS: variable(text(), 'JSON list of OIDC issuers'),
  EMBEDDED_WALLET_KEYS: variable(text(), '<key id>:<32-byte key, base64> list sealing embedded-wallet keys'),
  EMBEDDED_WALLET_PROVIDER: variable(choice(['local', 'privy'], 'local'), 'embedded wallet adapter'),
  PRIVY_APP_ID: variable(text(), 'Privy app id (EMBEDDED_WALLET_PROVIDER=privy)'),
  PRIVY_APP_SECRET: variable(text(), 'Privy app secret'),
  PRIVY_API_URL: variable(z.string().default('https://api.privy.io'), 'Privy API base URL'),
  ADMIN_EMAILS: variable(text(), 'comma-separated emails that get the admin role when their account is created'),
  KYC_ENCRYPTION_KEYS: variable(text(), '<key id>:<32-byte key> list encrypting KYC personal data'),
  KYC_PROVIDER: variable(choice(['local'], 'local'), 'KYC verification adapter'),
  REFERRAL_REVENUE_SHARE: variable(text(), "share of referred users' fees a referrer earns (default 0.10)"),

  // ── Webhooks ────────────────────────────────────────────────────────────────────────────────
  WEBHOOK_EVENTS_URL: variable(text(), "where every subgraph's outbox relay posts webhook events (default accounts' /internal/webhooks/events)"),
  WEBHOOK_OUTBOX_INTERVAL_MS: variable(milliseconds(250, 10), "how often a subgraph's outbox relay looks for events (a producer in the same process also wakes it)"),
  WEBHOOK_SECRET_KEYS: variable(text(), '<key id>:<32-byte key> list sealing webhook signing secrets at rest'),
  WEBHOOK_WORKER_CONCURRENCY: variable(positive(64), 'webhook requests one accounts process keeps in flight at once'),
  WEBHOOK_POLL_INTERVAL_MS: variable(milliseconds(1000, 10), 'how often webhook workers look for due deliveries when nothing woke them'),
  WEBHOOK_TIMEOUT_MS: variable(milliseconds(10_000, 10), 'a webhook request fails after this long to connect, and again this long for the response'),
  WEBHOOK_LEASE_GRACE_MS: variable(milliseconds(30_000, 100), "a claimed delivery's lease is twice WEBHOOK_TIMEOUT_MS plus this; a worker that died mid-request is replaced when it ends"),
  WEBHOOK_RESPONSE_MAX_BYTES: variable(count(1024), "bytes of a webhook receiver's response read and kept as the attempt's excerpt"),
  WEBHOOK_RETRY_BASE_MS: variable(milliseconds(30_000), 'first webhook retry delay; doubles each attempt, with jitter'),
  WEBHOOK_RETRY_MAX_MS: variable(milliseconds(6 * 3_600_000), 'longest delay between two webhook attempts'),
  WEBHOOK_GIVE_UP_AFTER_MS: variable(milliseconds(3 * 86_400_000), 'a webhook delivery still failing this long after it became due is abandoned and its endpoint marked failing'),
  WEBHOOK_RETENTION_MS: variable(milliseconds(30 * 86_400_000, 1000), "webhook events whose deliveries all finished are deleted this long after they were stored, with their delivery log"),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: variable(onOff(), 'webhook URLs may reach private, loopback and link-local addresses (default on, off when NODE_ENV=production)'),

  // ── Markets ─────────────────────────────────────────────────────────────────────────────────
  PRICE_FEED: variable(choice(['simulated', 'replay', 'binance', 'off'], 'simulated'), 'reference price feed'),
  PRICE_FEED_INTERVAL_MS: variable(milliseconds(1000), 'pace of the simulated feed'),
  PRICE_FEED_SEED: variable(count(42), 'seed of the simulated feed'),
  PRICE_REPLAY_FILE: variable(text(), 'replay feed: CSV at,market,price'),
  PRICE_REPLAY_SPEED: variable(z.coerce.number({ error: 'must be a number' }).min(0).default(1), 'replay speed (1 = recorded pace, 0 = as fast as possible)'),
  PRICE_REPLAY_LOOP: variable(choice(['on', 'off'], 'off'), '`on` loops the replay'),
  PRICE_REPLAY_TIME: variable(choice(['now', 'recorded'], 'now'), '`recorded` keeps the file times'),
  BINANCE_WS_URL: variable(z.string().default('wss://stream.binance.com:9443'), 'Binance feed: base of the combined stream'),
  BINANCE_MARKETS: variable(text(), 'which markets follow Binance (default every crypto market)'),
  BINANCE_SYMBOLS: variable(text(), 'Binance symbol overrides BTC-USDT:btcfdusd,…'),
  BINANCE_STREAM: variable(choice(['trade', 'miniTicker'], 'trade'), 'Binance stream kind'),
  BINANCE_RECONNECT_MIN_MS: variable(milliseconds(500), 'Binance reconnect backoff, first delay'),
  BINANCE_RECONNECT_MAX_MS: variable(milliseconds(30_000), 'Binance reconnect backoff, longest delay'),
  PRICE_CACHE_TTL_MS: variable(milliseconds(60_000), 'how long a last price lives in the Redis cache'),
  PRICE_CACHE_WRITE_MS: variable(milliseconds(50), 'how long recorded prices gather before one cache write'),
  PRICE_STALE_AFTER_MS: variable(milliseconds(30_000), 'a price older than this is stale'),
  PRICE_TRADE_WINDOW_MS: variable(count(3_600_000), "a feed tick does not replace a last price from the exchange's own fill younger than this"),
  PRICE_PERSIST_MS: variable(milliseconds(1000), 'how often last prices are written to markets.last_prices'),
  PRICE_UPDATES_MAX_PER_SECOND: variable(count(4), 'priceUpdated sends per market per subscription per second (0: all)'),
  MARKETS_SUBSCRIPTION_INTERVAL_MS: variable(count(1000), 'tickerUpdated / candleUpdated: at most one update per this many ms'),
  MARKETS_TRADES_SWEEP_MS: variable(milliseconds(30_000, 100), "how often markets catches every market's candles up from matching"),
  MARKETS_HISTORY_FLUSH_MS: variable(milliseconds(500), 'reference ticks are recorded in batches this often'),
  PRICE_TICKS_RETENTION_DAYS: variable(count(30), 'raw reference ticks older than this are deleted (0 keeps all)'),
  PRICE_TICKS_PRUNE_EVERY_MS: variable(milliseconds(3_600_000, 100), 'how often old ticks are deleted'),
  MARKETS_EXPORT_MAX_ROWS: variable(positive(100_000), 'row ceiling of the CSV exports'),

  // ── Matching ────────────────────────────────────────────────────────────────────────────────
  MATCHING_DEMO_CREDITS: variable(onOff(), '`on` enables creditDemoFunds (never with NODE_ENV=production)'),
  MATCHING_SNAPSHOT_EVERY: variable(positive(100_000), 'engine snapshot every this many journaled commands'),
  MATCHING_TICK_MS: variable(milliseconds(1000), "how often the engine's clock advances with no traffic"),
  FEE_TIERS: variable(text(), 'the fee schedule: <30-day volume USD>:<maker bps>:<taker bps>, comma-separated, the first at volume 0 (every market\'s own rate)'),
  FEE_TIER_REFRESH_MS: variable(milliseconds(60_000, 100), "how often matching recomputes traders' 30-day volume and fee tier"),
  MATCHING_RECENT_TRADES_KEPT: variable(positive(1000), 'trades per market matching keeps in memory for trades(market) (older pages are read from the database)'),
  MATCHING_FINISHED_ORDERS_KEPT: variable(count(50_000), 'finished orders the engine keeps in memory for lookups by id'),

  // ── Funding ─────────────────────────────────────────────────────────────────────────────────
  CHAINS: variable(
    z
      .string()
      .optional()
      .transform((value, ctx): ChainSpec[] | undefined => {
        if (value === undefined) return undefined;
        if (value.trim() === 'none') return [];
        try {
          return parseChains(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    'EVM chains funding watches: JSON [{name, chainId, rpcUrl, confirmations, native:{symbol, decimals, minimum}, tokens:[{symbol, address, decimals, minimum}]}]; `none`: no chains; unset: the two local chains `npm start` runs (ethereum on PORT_BASE + 545, arbitrum on + 546)',
  ),
  DEVNET_BLOCK_MS: variable(count(1000), 'the local chains `npm start` runs mine a block this often besides one per transaction (0: only per transaction)'),
  FUNDING_SETTLEMENT_CHAIN: variable(z.string().default('arbitrum'), 'the chain whose USDC deposits are credited as they are; every other deposit is swapped to it first'),
  FUNDING_XPUB: variable(text(), 'extended public key deposit addresses derive from (unset: funding makes an HD key at first start and keeps its seed sealed with FUNDING_SEED_KEYS)'),
  FUNDING_SEED_KEYS: variable(text(), '<key id>:<32-byte key, base64> list sealing the HD seed funding makes (required in production unless FUNDING_XPUB is set)'),
  FUNDING_WATCH_INTERVAL_MS: variable(milliseconds(500, 10), 'how often each chain watcher asks its node for new blocks'),
  FUNDING_WATCH_MAX_BLOCKS: variable(whole(500, 1, 10_000), 'blocks one watcher pass reads at most (catching up goes in steps of this size)'),
  FUNDING_SWAP_PROVIDER: variable(
    choice(['local', 'lifi'], 'local'),
    'how deposits become USDC: `local` converts at markets\' reference price; `lifi` moves the tokens through LI-FI (FUNDING_LIFI_*)',
  ),
  FUNDING_LIFI_URL: variable(z.url().default('https://li.quest'), 'base URL of the LI-FI API (`/v1/quote`, `/v1/status` under it)'),
  FUNDING_LIFI_API_KEY: variable(text(), 'LI-FI API key, sent as `x-lifi-api-key` (unset: the public rate limits)'),
  FUNDING_LIFI_INTEGRATOR: variable(z.string().default('tradegraph'), 'the `integrator` named in LI-FI quotes'),
  FUNDING_LIFI_SLIPPAGE: variable(z.coerce.number().min(0).max(0.5).default(0.005), 'slippage LI-FI quotes may take, a fraction (0.005 is 0.5 %)'),
  FUNDING_LIFI_WAIT_MS: variable(milliseconds(60_000, 1000), 'how long one settlement pass waits for a LI-FI transfer before the next pass follows it'),
  FUNDING_LIFI_BACKOFF_MS: variable(milliseconds(500, 1), 'first pause before retrying LI-FI after a 429/5xx/timeout (doubled each time, with jitter; Retry-After wins)'),
  FUNDING_SWAP_FEE_BPS: variable(whole(30, 0, 10_000), 'fee of the local swap adapter, in basis points of the amount delivered'),
  FUNDING_HOT_WALLET_KEY: variable(text(), 'private key (0x + 64 hex) of the hot wallet withdrawals are sent from (unset: funding makes one at first start and keeps it sealed with FUNDING_SEED_KEYS)'),
  FUNDING_WITHDRAWAL_FEES: variable(z.string().default('ETH:0.0001,WETH:0.0001,USDC:1,USDT:1'), 'exchange fee per withdrawn asset, `<ASSET>:<amount>` list; a token\'s fee also covers its gas (an asset not listed pays 0)'),
  FUNDING_WITHDRAWAL_GAS_MARGIN_BPS: variable(whole(2000, 0, 100_000), 'margin on the live network-fee estimate of a withdrawal, in basis points'),
  FUNDING_WITHDRAWAL_QUOTE_SECONDS: variable(whole(60, 1, 3600), 'how long a withdrawal quote stays valid'),
  FUNDING_WITHDRAWAL_STUCK_SECONDS: variable(whole(120, 1), 'a withdrawal transaction unmined this long is replaced by one with the same nonce and a bumped fee'),
  WITHDRAWAL_ADDRESS_COOLOFF_SECONDS: variable(whole(86_400, 0), 'a new address-book entry is usable for withdrawals only this long after it was added'),
  FUNDING_WITHDRAWAL_DAILY_LIMITS: variable(z.string().default('ETH:100,WETH:100,USDC:10000000,USDT:10000000'), 'most one user may withdraw per asset in 24 hours, `<ASSET>:<amount>` list (not listed: no limit)'),
  FUNDING_WITHDRAWAL_KYC_DAILY_LIMITS: variable(
    z.string().default(''),
    'daily withdrawal limit per KYC level and asset, `<level>/<ASSET>:<amount>` list (e.g. `0/USDC:10000,1/USDC:100000`; empty: none), beside FUNDING_WITHDRAWAL_DAILY_LIMITS (the lower wins; a level without an entry takes the nearest lower level\'s)',
  ),
  FUNDING_WITHDRAWAL_HOLD_ABOVE: variable(z.string().default('ETH:10,WETH:10,USDC:100000,USDT:100000'), 'a withdrawal above this amount of its asset waits for an admin, `<ASSET>:<amount>` list'),
  FUNDING_WITHDRAWAL_VELOCITY_PER_HOUR: variable(whole(20, 1), 'a user\'s withdrawal beyond this many in an hour waits for an admin'),
  FUNDING_WITHDRAWAL_FAULT: variable(
    choice(['none', 'after-sign', 'after-broadcast'], 'none'),
    'tests only (ignored in production): funding kills itself with SIGKILL right after signing a withdrawal, or right after sending one, before recording it',
    true,
  ),
  FUNDING_DEVNET: variable(onOff(), '`on` enables devnetFaucet (default on with the local chains, never with NODE_ENV=production)'),

  // ── Trading ─────────────────────────────────────────────────────────────────────────────────
  PRICE_ALERTS_MAX_PER_USER: variable(positive(100), 'active price alerts one user may hold'),
} satisfies Record<string, Variable>;

export type VariableName = keyof typeof VARIABLES;
