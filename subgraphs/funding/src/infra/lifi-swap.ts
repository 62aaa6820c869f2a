import { Contract, Interface, JsonRpcProvider, Transaction, Wallet, getAddress, type TransactionRequest } from 'ethers';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ChainSpec, DepositSwap, Logger } from '@tradegraph/shared';
import { decimalToUnits, unitsToDecimal } from '../domain/deposits';
import type { SwapOutcome, SwapPort, SwapRequest } from '../domain/swaps';
import { TRANSFER_TOPIC } from '../domain/transfers';
import type { DepositKeys } from './hd-keys';

/**
 * The LI-FI swap adapter (docs/architecture.md, "Deposits"): LI-FI's REST API, as documented —
 * `GET /v1/quote` for a route and its `transactionRequest`, an ERC-20 approval of
 * `estimate.approvalAddress` when the allowance is short, the `transactionRequest` signed with
 * the deposit address's key (the sealed HD seed, infra/hd-keys.ts) and sent, then
 * `GET /v1/status` until DONE or FAILED. The delivered amount is read from the receiving
 * transaction's USDC Transfer logs on the settlement chain, not taken on LI-FI's word.
 *
 * Idempotent on the deposit id: the quote and the signed transactions are stored in
 * funding.lifi_swaps before they are broadcast, and a call after a restart re-broadcasts the
 * same signed bytes (same nonce: a second transfer is impossible) and follows the same status.
 * One call waits at most `waitMs`; a transfer still under way throws, and the watcher's next pass
 * comes back to it. The USDC is delivered to the same HD address on the settlement chain (its
 * index is this deposit address's, which no user holds there, so the watcher never counts it as
 * a deposit).
 */
export interface LifiSettings {
  url: string;
  apiKey: string | undefined;
  integrator: string;
  /** A fraction: 0.005 is 0.5 %. */
  slippage: number;
  /** How long one call waits for the transfer before leaving it to the next pass. */
  waitMs: number;
  /** First pause of the backoff on 429/5xx/timeouts (doubled each time, with jitter). */
  backoffMs: number;
  /** Attempts of one request before giving up for this pass. */
  attempts: number;
  /** How often the status is asked while the transfer is under way. */
  pollMs: number;
}

interface LifiToken {
  address: string;
  symbol?: string;
  decimals?: number;
  chainId?: number;
}

interface LifiCost {
  name?: string;
  amount: string;
  amountUSD?: string;
  token?: LifiToken;
  included?: boolean;
}

export interface LifiQuote {
  id?: string;
  tool: string;
  action: { fromChainId: number; toChainId: number; fromToken: LifiToken; toToken: LifiToken; fromAmount: string; fromAddress: string; toAddress: string };
  estimate: { approvalAddress?: string; toAmount: string; toAmountMin: string; fromAmount?: string; feeCosts?: LifiCost[]; gasCosts?: LifiCost[] };
  transactionRequest: { to: string; data: string; value?: string; gasLimit?: string; gasPrice?: string; chainId: number; from?: string };
}

interface LifiStatus {
  status: 'NOT_FOUND' | 'INVALID' | 'PENDING' | 'DONE' | 'FAILED';
  substatus?: string;
  substatusMessage?: string;
  tool?: string;
  sending?: { txHash?: string; amount?: string };
  receiving?: { txHash?: string; amount?: string; token?: LifiToken; chainId?: number };
}

interface SwapRow {
  attempt: number;
  status: 'sending' | 'sent' | 'done' | 'failed';
  quote: LifiQuote;
  approval_tx: string | null;
  source_tx: string;
  source_tx_hash: string;
}

/** An answer of LI-FI that is final for this attempt (a 4xx other than 429). */
export class LifiRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const NATIVE_TOKEN = '0x0000000000000000000000000000000000000000';
const ERC20 = new Interface(['function allowance(address owner, address spender) view returns (uint256)', 'function approve(address spender, uint256 value) returns (bool)']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, as Retry-After says it; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The pause before attempt `attempt` (1-based retry count): exponential with full jitter, capped at 30 s. */
export function backoffMs(baseMs: number, attempt: number, random = Math.random): number {
  const ceiling = Math.min(30_000, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class LifiSwap implements SwapPort {
  readonly name = 'lifi';
  private readonly providers = new Map<string, JsonRpcProvider>();
  /** One swap per deposit at a time in this process (a watcher pass and an admin retry may meet). */
  private readonly inFlight = new Map<string, Promise<SwapOutcome>>();
  /** Requests sent to LI-FI, for the metrics and the tests' logs. */
  requests = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly keys: DepositKeys,
    private readonly chains: ReadonlyMap<string, ChainSpec>,
    private readonly settlementChain: string,
    private readonly settings: LifiSettings,
    private readonly logger: Logger,
  ) {}

  private provider(chain: string): JsonRpcProvider {
    let provider = this.providers.get(chain);
    if (!provider) {
      const spec = this.spec(chain);
      provider = new JsonRpcProvider(spec.rpcUrl, spec.chainId, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
      this.providers.set(chain, provider);
    }
    return provider;
  }

  private spec(chain: string): ChainSpec {
    const spec = this.chains.get(chain);
    if (!spec) throw new Error(`unknown chain ${chain}`);
    return spec;
  }

  private tokenAddress(chain: string, asset: string): string | null {
    const spec = this.spec(chain);
    if (spec.native.symbol === asset) return NATIVE_TOKEN;
    return spec.tokens.find((t) => t.symbol === asset)?.address ?? null;
  }

  destroy(): void {
    for (const provider of this.providers.values()) provider.destroy();
  }

  swap(request: SwapRequest): Promise<SwapOutcome> {
    const running = this.inFlight.get(request.depositId);
    if (running) return running;
    const next = this.run(request).finally(() => this.inFlight.delete(request.depositId));
    this.inFlight.set(request.depositId, next);
    return next;
  }

  /** GET `path` of LI-FI with retries on 429 (honouring Retry-After), 5xx, timeouts and network errors. */
  async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = `${this.settings.url.replace(/\/$/, '')}${path}?${new URLSearchParams(params)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.settings.apiKey) headers['x-lifi-api-key'] = this.settings.apiKey;
    let lastError = '';
    for (let attempt = 1; attempt <= this.settings.attempts; attempt++) {
      let wait: number | null = null;
      try {
        this.requests++;
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
        if (response.ok) return (await response.json()) as T;
        const body = await response.text();
        lastError = `LI-FI answered ${response.status} to ${path}: ${body.slice(0, 200)}`;
        if (response.status !== 429 && response.status < 500) throw new LifiRefusal(response.status, lastError);
        wait = retryAfterMs(response.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof LifiRefusal) throw error;
        if (lastError === '' || !(error instanceof Error && lastError.startsWith('LI-FI answered'))) {
          lastError = `LI-FI did not answer ${path}: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      if (attempt === this.settings.attempts) break;
      const pause = Math.min(wait ?? backoffMs(this.settings.backoffMs, attempt), 60_000);
      this.logger.warn({ path, attempt, pauseMs: pause, reason: lastError }, 'LI-FI request retried');
      await sleep(pause);
    }
    throw new Error(lastError);
  }

  private async row(depositId: string): Promise<SwapRow | null> {
    const rows = await this.orm.em
      .fork()
      .execute<SwapRow[]>('select attempt, status, quote, approval_tx, source_tx, source_tx_hash from funding.lifi_swaps where deposit_id = ?', [depositId]);
    return rows[0] ?? null;
  }

  private async run(request: SwapRequest): Promise<SwapOutcome> {
    const base: DepositSwap = {
      provider: this.name,
      status: 'pending',
      fromAsset: request.asset,
      fromAmount: request.amount,
      toAsset: request.toAsset,
      toAmount: null,
      price: null,
      fee: null,
      route: '',
      sourceTxHash: null,
      destinationTxHash: null,
      quotedAmount: null,
      quotedMinAmount: null,
    };
    let row = await this.row(request.depositId);
    if (!row || row.status === 'failed') {
      const started = await this.start(request, base, (row?.attempt ?? 0) + 1);
      if ('kind' in started) return started;
      row = started;
    }
    const swap = this.describe(base, row.quote, request);
    swap.sourceTxHash = row.source_tx_hash;
    if (row.status === 'sending') {
      await this.broadcast(request.chain, row);
      await this.orm.em.fork().execute("update funding.lifi_swaps set status = 'sent', updated_at = now() where deposit_id = ?", [request.depositId]);
    }
    return this.follow(request, row, swap);
  }

  /** A new quote, the approval and source transaction signed and stored (status `sending`), not yet broadcast. */
  private async start(request: SwapRequest, base: DepositSwap, attempt: number): Promise<SwapRow | SwapOutcome> {
    const fromSpec = this.spec(request.chain);
    const toSpec = this.spec(this.settlementChain);
    const fromToken = this.tokenAddress(request.chain, request.asset);
    const toToken = this.tokenAddress(this.settlementChain, request.toAsset);
    if (!fromToken || !toToken) return { kind: 'no_route', reason: `LI-FI: ${request.asset} on ${request.chain} or ${request.toAsset} on ${this.settlementChain} is not configured` };
    const units = decimalToUnits(request.amount, request.decimals);
    const index = await this.derivationIndex(request.chain, request.fromAddress);
    const wallet = new Wallet(this.keys.privateKey(index), this.provider(request.chain));
    const from = getAddress(request.fromAddress);
    if (wallet.address !== from) throw new Error(`the key at index ${index} is not that of ${from}`);
    let quote: LifiQuote;
    try {
      quote = await this.get<LifiQuote>('/v1/quote', {
        fromChain: String(fromSpec.chainId),
        toChain: String(toSpec.chainId),
        fromToken,
        toToken,
        fromAmount: units.toString(),
        fromAddress: from,
        toAddress: from,
        slippage: String(this.settings.slippage),
        integrator: this.settings.integrator,
      });
    } catch (error) {
      if (error instanceof LifiRefusal && error.status === 404) return { kind: 'no_route', reason: error.message };
      if (error instanceof LifiRefusal) return { kind: 'failed', swap: { ...base, status: 'failed' }, reason: error.message };
      throw error;
    }
    const problem = this.checkQuote(quote, { fromChainId: fromSpec.chainId, units, from });
    if (problem) return { kind: 'failed', swap: { ...this.describe(base, quote, request), status: 'failed' }, reason: `LI-FI quote refused: ${problem}` };

    const provider = this.provider(request.chain);
    let nonce = await provider.getTransactionCount(from, 'pending');
    const tx = quote.transactionRequest;
    const gasPrice = tx.gasPrice !== undefined ? BigInt(tx.gasPrice) : ((await provider.getFeeData()).gasPrice ?? 0n);
    let approvalTx: string | null = null;
    const spender = quote.estimate.approvalAddress;
    if (fromToken !== NATIVE_TOKEN && spender) {
      const token = new Contract(fromToken, ERC20, provider);
      const allowance = (await token.allowance(from, getAddress(spender))) as bigint;
      if (allowance < units) {
        approvalTx = await wallet.signTransaction({
          to: fromToken,
          data: ERC20.encodeFunctionData('approve', [getAddress(spender), units]),
          nonce,
          gasLimit: 100_000n,
          gasPrice,
          chainId: fromSpec.chainId,
          type: 0,
        });
        nonce++;
      }
    }
    const source: TransactionRequest = {
      to: getAddress(tx.to),
      data: tx.data,
      value: tx.value !== undefined ? BigInt(tx.value) : 0n,
      gasLimit: tx.gasLimit !== undefined ? BigInt(tx.gasLimit) : 500_000n,
      gasPrice,
      nonce,
      chainId: fromSpec.chainId,
      type: 0,
    };
    const sourceTx = await wallet.signTransaction(source);
    const sourceHash = Transaction.from(sourceTx).hash!;
    // Stored before anything is broadcast: from here on a restart re-sends these very bytes.
    await this.orm.em.fork().execute(
      `insert into funding.lifi_swaps (deposit_id, attempt, status, quote, approval_tx, source_tx, source_tx_hash)
       values (?, ?, 'sending', ?, ?, ?, ?)
       on conflict (deposit_id) do update set attempt = excluded.attempt, status = 'sending', quote = excluded.quote,
         approval_tx = excluded.approval_tx, source_tx = excluded.source_tx, source_tx_hash = excluded.source_tx_hash,
         receiving = null, failure = null, updated_at = now()
       where funding.lifi_swaps.status = 'failed'`,
      [request.depositId, attempt, JSON.stringify(quote), approvalTx, sourceTx, sourceHash],
    );
    const stored = await this.row(request.depositId);
    if (!stored || stored.source_tx_hash !== sourceHash) throw new Error(`another LI-FI swap of deposit ${request.depositId} was stored meanwhile`);
    this.logger.info({ deposit: request.depositId, tool: quote.tool, toAmount: quote.estimate.toAmount, sourceTxHash: sourceHash }, 'LI-FI quote taken');
    await request.progress?.({ ...this.describe(base, quote, request), sourceTxHash: sourceHash });
    return stored;
  }

  /** What is wrong with a quote for this transfer (null when it is the one asked for). */
  private checkQuote(quote: LifiQuote, expected: { fromChainId: number; units: bigint; from: string }): string | null {
    const tx = quote?.transactionRequest;
    if (!tx?.to || !tx.data || !quote.estimate?.toAmount || !quote.action) return 'no transactionRequest or estimate';
    if (Number(tx.chainId) !== expected.fromChainId) return `its transaction is for chain ${tx.chainId}`;
    if (BigInt(quote.action.fromAmount) !== expected.units) return `it moves ${quote.action.fromAmount}, not ${expected.units}`;
    if (getAddress(quote.action.toAddress) !== expected.from) return 'it delivers to another address';
    if (tx.from && getAddress(tx.from) !== expected.from) return 'its transaction is from another address';
    return null;
  }

  private async derivationIndex(chain: string, address: string): Promise<number> {
    const rows = await this.orm.em
      .fork()
      .execute<{ derivation_index: number }[]>('select derivation_index from funding.deposit_addresses where chain = ? and lower(address) = lower(?)', [chain, address]);
    if (rows.length === 0) throw new Error(`${address} is not a deposit address of ${chain}`);
    return rows[0].derivation_index;
  }

  /** Sends the stored signed transactions; a node that knows one already (a re-send) is fine. */
  private async broadcast(chain: string, row: SwapRow): Promise<void> {
    const provider = this.provider(chain);
    for (const raw of [row.approval_tx, row.source_tx]) {
      if (!raw) continue;
      const hash = Transaction.from(raw).hash!;
      if (await provider.getTransactionReceipt(hash)) continue;
      try {
        await provider.broadcastTransaction(raw);
      } catch (error) {
        // Known already, nonce used (by this very transaction), or reverted while mined: its receipt tells.
        this.logger.debug({ err: error, hash }, 'LI-FI transaction broadcast answered an error');
      }
      const receipt = await provider.waitForTransaction(hash, 1, 60_000);
      if (!receipt) throw new Error(`transaction ${hash} was not mined within a minute`);
    }
  }

  /** Waits for LI-FI to report the transfer done or failed (at most waitMs; then the next pass comes back). */
  private async follow(request: SwapRequest, row: SwapRow, swap: DepositSwap): Promise<SwapOutcome> {
    const quote = row.quote;
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const status = await this.get<LifiStatus>('/v1/status', {
        txHash: row.source_tx_hash,
        fromChain: String(quote.action.fromChainId),
        toChain: String(quote.action.toChainId),
        bridge: quote.tool,
      });
      if (status.status === 'FAILED' || (status.status === 'DONE' && status.substatus && status.substatus !== 'COMPLETED')) {
        const reason = `LI-FI transfer ${status.status.toLowerCase()}: ${status.substatus ?? ''} ${status.substatusMessage ?? ''}`.trim();
        await this.orm.em.fork().execute("update funding.lifi_swaps set status = 'failed', failure = ?, receiving = ?, updated_at = now() where deposit_id = ?", [
          reason,
          JSON.stringify(status.receiving ?? null),
          request.depositId,
        ]);
        return { kind: 'failed', swap: { ...swap, status: 'failed' }, reason };
      }
      if (status.status === 'DONE') {
        const hash = status.receiving?.txHash;
        if (!hash) throw new Error('LI-FI reported DONE without a receiving transaction');
        const delivered = await this.delivered(hash, request.fromAddress, request.toAsset);
        if (delivered === 0n) throw new Error(`the receiving transaction ${hash} pays no ${request.toAsset} to ${request.fromAddress}`);
        await this.orm.em.fork().execute("update funding.lifi_swaps set status = 'done', receiving = ?, updated_at = now() where deposit_id = ?", [
          JSON.stringify(status.receiving),
          request.depositId,
        ]);
        const toAmount = unitsToDecimal(delivered, request.toDecimals);
        const fromUnits = decimalToUnits(request.amount, request.decimals);
        return {
          kind: 'done',
          swap: {
            ...swap,
            status: 'done',
            toAmount,
            destinationTxHash: hash.toLowerCase(),
            price: fromUnits > 0n ? ratio(delivered, request.toDecimals, fromUnits, request.decimals) : null,
          },
        };
      }
      if (Date.now() + this.settings.pollMs > deadline) throw new Error(`LI-FI transfer ${row.source_tx_hash} is ${status.status} still; the next pass follows it`);
      await sleep(this.settings.pollMs);
    }
  }

  /** USDC (the settlement token) that transaction `hash` on the settlement chain paid to `to`, read from its Transfer logs. */
  private async delivered(hash: string, to: string, asset: string): Promise<bigint> {
    const token = this.tokenAddress(this.settlementChain, asset)!.toLowerCase();
    const receipt = await this.provider(this.settlementChain).getTransactionReceipt(hash);
    if (!receipt || receipt.status !== 1) return 0n;
    const topicTo = `0x${to.toLowerCase().replace(/^0x/, '').padStart(64, '0')}`;
    let total = 0n;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() === token && log.topics[0] === TRANSFER_TOPIC && log.topics[2]?.toLowerCase() === topicTo) total += BigInt(log.data);
    }
    return total;
  }

  /** The quote as shown on the deposit: route, what it promised, its fees in the target asset. */
  private describe(base: DepositSwap, quote: LifiQuote, request: SwapRequest): DepositSwap {
    const toDecimals = request.toDecimals;
    const fees = (quote.estimate.feeCosts ?? []).reduce((sum, cost) => {
      if (cost.token?.address?.toLowerCase() === quote.action.toToken.address.toLowerCase()) return sum + BigInt(cost.amount);
      // A fee in another token is counted at its USD value (the target is USDC).
      return sum + (cost.amountUSD ? decimalToUnits(trimDecimals(cost.amountUSD, toDecimals), toDecimals) : 0n);
    }, 0n);
    const fromSpec = [...this.chains.values()].find((c) => c.chainId === Number(quote.action.fromChainId));
    const toSpec = [...this.chains.values()].find((c) => c.chainId === Number(quote.action.toChainId));
    return {
      ...base,
      route: `lifi:${quote.tool} ${fromSpec?.name ?? quote.action.fromChainId}:${request.asset} -> ${toSpec?.name ?? quote.action.toChainId}:${request.toAsset}`,
      fee: unitsToDecimal(fees, toDecimals),
      quotedAmount: unitsToDecimal(BigInt(quote.estimate.toAmount), toDecimals),
      quotedMinAmount: unitsToDecimal(BigInt(quote.estimate.toAmountMin), toDecimals),
    };
  }
}

function trimDecimals(value: string, decimals: number): string {
  const [whole, fraction = ''] = value.split('.');
  return fraction ? `${whole}.${fraction.slice(0, decimals)}` : whole;
}

/** `toUnits / fromUnits` as a decimal string with 18 places at most (rounded down). */
function ratio(toUnits: bigint, toDecimals: number, fromUnits: bigint, fromDecimals: number): string {
  const scaled = (toUnits * 10n ** BigInt(18 + fromDecimals)) / (fromUnits * 10n ** BigInt(toDecimals));
  return unitsToDecimal(scaled, 18);
}
