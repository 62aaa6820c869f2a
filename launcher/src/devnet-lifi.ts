import http from 'node:http';
import { Contract, Interface, JsonRpcProvider, NonceManager, Wallet, getAddress, toQuantity } from 'ethers';
import { DEVNET_DEPLOYER_KEY, type ChainSpec } from '@tradegraph/shared';

/**
 * A stand-in for LI-FI on the local chains (docs/architecture.md, "Deposits"): an HTTP server
 * speaking the part of LI-FI's REST API funding uses — `GET /v1/quote` and `GET /v1/status` —
 * that really moves tokens. Its quote's `transactionRequest` transfers the source token to the
 * server's own account on the source chain; once that transaction is mined, `/v1/status` pays
 * the quoted USDC on the destination chain from the server's account (funded by minting at
 * start) to the quote's `toAddress`, and reports DONE with both transactions. Faults for tests:
 * a storm of 429s with Retry-After, and a quote whose transaction reverts on chain (then the
 * status is FAILED).
 */
export interface LocalLifiOptions {
  port: number;
  host?: string;
  chains: readonly ChainSpec[];
  /** The account that receives source tokens and pays USDC out (default: the hardhat node's second account). */
  accountKey?: string;
  /** Fee kept from the delivered amount, basis points. */
  feeBps?: number;
  /** USD prices of the assets that are not dollars (ETH, WETH), decimal strings. */
  usdPrices?: Record<string, string>;
  /** USDC the account is given on each chain at start (6 decimals, whole units). */
  float?: bigint;
}

/** The hardhat node's second well-known account (its mnemonic "test test … junk"): local chains only. */
export const LOCAL_LIFI_ACCOUNT_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const NATIVE = '0x0000000000000000000000000000000000000000';
const ERC20 = new Interface([
  'function transfer(address to, uint256 value) returns (bool)',
  'function mint(address to, uint256 value)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
]);
const TOOL = 'localbridge';
const DOLLARS = new Set(['USDC', 'USDT']);

interface Quoted {
  fromChain: ChainSpec;
  toChain: ChainSpec;
  fromSymbol: string;
  fromToken: string;
  fromAmount: bigint;
  fromAddress: string;
  toAddress: string;
  toToken: string;
  toAmount: bigint;
}

interface Transfer {
  quote: Quoted;
  payout: Promise<string>;
  receivingTxHash?: string;
  failed?: string;
}

export class LocalLifi {
  private server?: http.Server;
  private readonly providers = new Map<number, JsonRpcProvider>();
  private readonly payers = new Map<number, NonceManager>();
  private readonly quotes: Quoted[] = [];
  private readonly transfers = new Map<string, Transfer>();
  private payments: Promise<unknown> = Promise.resolve();
  readonly account: string;
  /** Requests seen, by path (quote, status), and how many were answered 429. */
  readonly seen = { quote: 0, status: 0, throttled: 0 };
  private throttle = { remaining: 0, retryAfterSeconds: 1 };
  private revertNext = 0;
  private held = false;

  constructor(private readonly options: LocalLifiOptions) {
    this.account = new Wallet(options.accountKey ?? LOCAL_LIFI_ACCOUNT_KEY).address;
  }

  get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.options.port}`;
  }

  /** The next `count` requests are answered 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext(count: number, retryAfterSeconds = 1): void {
    this.throttle = { remaining: count, retryAfterSeconds };
  }

  /** While held, every transfer's status answers PENDING (even once paid out): a test can stop funding mid-transfer. */
  holdTransfers(held: boolean): void {
    this.held = held;
  }

  /** The next `count` quotes carry a transaction that reverts on chain (its status is then FAILED). */
  revertNextQuotes(count = 1): void {
    this.revertNext = count;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => send(res, 500, { message: error instanceof Error ? error.message : String(error) }));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
  }

  /** Gives the account its USDC float on every chain (minted by the tokens' minter, the deployer). Run once the chains are up. */
  async fund(): Promise<void> {
    for (const chain of this.options.chains) {
      const usdc = chain.tokens.find((t) => t.symbol === 'USDC');
      if (!usdc) continue;
      const minter = new Wallet(DEVNET_DEPLOYER_KEY, this.provider(chain));
      const token = new Contract(usdc.address, ERC20, minter);
      const tx = await token.mint(this.account, (this.options.float ?? 10_000_000n) * 10n ** BigInt(usdc.decimals));
      await tx.wait();
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    for (const provider of this.providers.values()) provider.destroy();
  }

  private provider(chain: ChainSpec): JsonRpcProvider {
    let provider = this.providers.get(chain.chainId);
    if (!provider) {
      provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
      this.providers.set(chain.chainId, provider);
    }
    return provider;
  }

  private payer(chain: ChainSpec): NonceManager {
    let payer = this.payers.get(chain.chainId);
    if (!payer) {
      payer = new NonceManager(new Wallet(this.options.accountKey ?? LOCAL_LIFI_ACCOUNT_KEY, this.provider(chain)));
      this.payers.set(chain.chainId, payer);
    }
    return payer;
  }

  private chain(idOrKey: string | null): ChainSpec | undefined {
    return this.options.chains.find((c) => String(c.chainId) === idOrKey || c.name === idOrKey);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method !== 'GET') return send(res, 405, { message: 'GET only' });
    const route = url.pathname === '/v1/quote' ? 'quote' : url.pathname === '/v1/status' ? 'status' : null;
    if (!route) return send(res, 404, { message: 'Not found' });
    this.seen[route]++;
    if (this.throttle.remaining > 0) {
      this.throttle.remaining--;
      this.seen.throttled++;
      res.setHeader('retry-after', String(this.throttle.retryAfterSeconds));
      return send(res, 429, { message: 'Too many requests', code: 1005 });
    }
    return route === 'quote' ? this.quote(url.searchParams, res) : this.status(url.searchParams, res);
  }

  private async quote(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const fromChain = this.chain(params.get('fromChain'));
    const toChain = this.chain(params.get('toChain'));
    const missing = ['fromChain', 'toChain', 'fromToken', 'toToken', 'fromAmount', 'fromAddress'].filter((name) => !params.get(name));
    if (missing.length > 0) return send(res, 400, { message: `missing ${missing.join(', ')}`, code: 1011 });
    if (!fromChain || !toChain) return send(res, 400, { message: 'unknown chain', code: 1011 });
    const fromToken = params.get('fromToken')!.toLowerCase();
    const toToken = params.get('toToken')!.toLowerCase();
    const source = fromToken === NATIVE ? { ...fromChain.native, address: NATIVE } : fromChain.tokens.find((t) => t.address.toLowerCase() === fromToken);
    const target = toChain.tokens.find((t) => t.address.toLowerCase() === toToken);
    if (!source || target?.symbol !== 'USDC') return send(res, 404, { message: 'No available quotes for the requested transfer', code: 1002 });
    const fromAmount = BigInt(params.get('fromAmount')!);
    const fromAddress = getAddress(params.get('fromAddress')!);
    const toAddress = getAddress(params.get('toAddress') ?? fromAddress);
    const slippage = Number(params.get('slippage') ?? '0.005');
    const usd = DOLLARS.has(source.symbol) ? '1' : (this.options.usdPrices?.[source.symbol] ?? this.options.usdPrices?.[source.symbol.replace(/^W/, '')]);
    if (!usd) return send(res, 404, { message: `No available quotes: no price for ${source.symbol}`, code: 1002 });
    const gross = (fromAmount * priceUnits(usd) * 10n ** BigInt(target.decimals)) / (10n ** 18n * 10n ** BigInt(source.decimals));
    const fee = (gross * BigInt(this.options.feeBps ?? 25) + 9_999n) / 10_000n;
    const toAmount = gross - fee;
    const toAmountMin = (toAmount * BigInt(Math.round((1 - slippage) * 10_000))) / 10_000n;
    const quoted: Quoted = { fromChain, toChain, fromSymbol: source.symbol, fromToken, fromAmount, fromAddress, toAddress, toToken, toAmount };
    this.quotes.push(quoted);
    // A reverting transaction: it moves more than the address holds.
    const moved = this.revertNext > 0 ? (this.revertNext--, fromAmount * 1_000_000n) : fromAmount;
    const transactionRequest =
      fromToken === NATIVE
        ? { to: this.account, data: '0x', value: toQuantity(moved) }
        : { to: source.address, data: ERC20.encodeFunctionData('transfer', [this.account, moved]), value: '0x0' };
    const usdcToken = { address: target.address, symbol: 'USDC', decimals: target.decimals, chainId: toChain.chainId, name: 'USD Coin', priceUSD: '1' };
    const nativeToken = { address: NATIVE, symbol: fromChain.native.symbol, decimals: fromChain.native.decimals, chainId: fromChain.chainId, name: fromChain.native.symbol };
    send(res, 200, {
      type: 'lifi',
      id: `local-${this.quotes.length}`,
      tool: TOOL,
      toolDetails: { key: TOOL, name: 'Local bridge' },
      action: {
        fromChainId: fromChain.chainId,
        toChainId: toChain.chainId,
        fromToken: { address: source.address, symbol: source.symbol, decimals: source.decimals, chainId: fromChain.chainId },
        toToken: usdcToken,
        fromAmount: fromAmount.toString(),
        fromAddress,
        toAddress,
        slippage,
      },
      estimate: {
        tool: TOOL,
        approvalAddress: fromToken === NATIVE ? undefined : this.account,
        fromAmount: fromAmount.toString(),
        toAmount: toAmount.toString(),
        toAmountMin: toAmountMin.toString(),
        executionDuration: 2,
        feeCosts: [{ name: 'Bridge fee', percentage: String((this.options.feeBps ?? 25) / 10_000), token: usdcToken, amount: fee.toString(), amountUSD: unitsText(fee, target.decimals), included: true }],
        gasCosts: [{ type: 'SEND', price: '0', estimate: '100000', limit: '150000', amount: '0', amountUSD: '0', token: nativeToken }],
      },
      includedSteps: [],
      transactionRequest: { ...transactionRequest, from: fromAddress, chainId: fromChain.chainId, gasLimit: toQuantity(150_000), gasPrice: '0x0' },
    });
  }

  private async status(params: URLSearchParams, res: http.ServerResponse): Promise<void> {
    const txHash = params.get('txHash')?.toLowerCase();
    if (!txHash) return send(res, 400, { message: 'txHash is required', code: 1011 });
    const bridge = params.get('bridge');
    if (bridge && bridge !== TOOL) return send(res, 200, { status: 'INVALID', substatusMessage: `not a ${bridge} transfer` });
    let transfer = this.transfers.get(txHash);
    if (!transfer) {
      const fromChain = this.chain(params.get('fromChain')) ?? this.options.chains[0];
      const receipt = await this.provider(fromChain).getTransactionReceipt(txHash);
      if (!receipt) return send(res, 200, { status: 'NOT_FOUND' });
      const tx = await this.provider(fromChain).getTransaction(txHash);
      const quote = this.quotes.find((q) => q.fromChain.chainId === fromChain.chainId && q.fromAddress === getAddress(tx!.from));
      if (!quote) return send(res, 200, { status: 'INVALID', substatusMessage: 'no quote for this sender' });
      if (receipt.status !== 1) {
        this.quotes.splice(this.quotes.indexOf(quote), 1);
        transfer = { quote, payout: Promise.resolve(''), failed: 'the source transaction reverted' };
      } else {
        const received = quote.fromToken === NATIVE ? tx!.value : paidTo(receipt.logs, quote.fromToken, this.account);
        this.quotes.splice(this.quotes.indexOf(quote), 1);
        if (received < quote.fromAmount) {
          transfer = { quote, payout: Promise.resolve(''), failed: `received ${received}, quoted ${quote.fromAmount}` };
        } else {
          const payout = this.pay(quote);
          transfer = { quote, payout };
          const known = transfer;
          payout.then((hash) => (known.receivingTxHash = hash)).catch((error: unknown) => (known.failed = `payout failed: ${String(error)}`));
        }
      }
      this.transfers.set(txHash, transfer);
    }
    const { quote } = transfer;
    const sending = { txHash, chainId: quote.fromChain.chainId, amount: quote.fromAmount.toString(), token: { address: quote.fromToken, symbol: quote.fromSymbol, chainId: quote.fromChain.chainId } };
    if (transfer.failed) return send(res, 200, { status: 'FAILED', substatus: 'UNKNOWN_ERROR', substatusMessage: transfer.failed, tool: TOOL, sending });
    if (!transfer.receivingTxHash || this.held) return send(res, 200, { status: 'PENDING', substatus: 'WAIT_DESTINATION_TRANSACTION', tool: TOOL, sending });
    send(res, 200, {
      transactionId: txHash,
      status: 'DONE',
      substatus: 'COMPLETED',
      tool: TOOL,
      sending,
      receiving: {
        txHash: transfer.receivingTxHash,
        chainId: quote.toChain.chainId,
        amount: quote.toAmount.toString(),
        token: { address: quote.toToken, symbol: 'USDC', chainId: quote.toChain.chainId },
      },
    });
  }

  /** Pays the quoted USDC on the destination chain, one payment at a time (one account, one nonce sequence). */
  private pay(quote: Quoted): Promise<string> {
    const payment = this.payments.then(async () => {
      const token = new Contract(quote.toToken, ERC20, this.payer(quote.toChain));
      const tx = await token.transfer(quote.toAddress, quote.toAmount);
      await tx.wait();
      return tx.hash as string;
    });
    this.payments = payment.catch(() => {});
    return payment;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

function priceUnits(price: string): bigint {
  const [whole, fraction = ''] = price.split('.');
  return BigInt(whole + fraction.slice(0, 18).padEnd(18, '0'));
}

function unitsText(units: bigint, decimals: number): string {
  const text = units.toString().padStart(decimals + 1, '0');
  const fraction = text.slice(-decimals).replace(/0+$/, '');
  return fraction ? `${text.slice(0, -decimals)}.${fraction}` : text.slice(0, -decimals);
}

/** Units of `token` that `logs` transfer to `to`. */
function paidTo(logs: readonly { address: string; topics: readonly string[]; data: string }[], token: string, to: string): bigint {
  let total = 0n;
  for (const log of logs) {
    if (log.address.toLowerCase() !== token) continue;
    const parsed = ERC20.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === 'Transfer' && getAddress(parsed.args[1] as string) === getAddress(to)) total += parsed.args[2] as bigint;
  }
  return total;
}
