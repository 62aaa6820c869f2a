import { Contract, JsonRpcProvider, NonceManager, Wallet, getAddress, toQuantity } from 'ethers';
import type { ChainSpec } from '@tradegraph/shared';
import { TRANSFER_TOPIC, type ChainLog, type ChainTransaction } from '../domain/transfers';

/**
 * One chain's JSON-RPC node, through ethers. Reads cost a fixed number of calls per block
 * range: one `eth_getLogs` for every known token's Transfer logs, one `eth_getBlockByNumber`
 * (with transactions) per block, sent as one JSON-RPC batch. `calls` counts the JSON-RPC
 * calls made (the bench prints them per block).
 */
export interface ChainBlock {
  number: number;
  hash: string;
  transactions: ChainTransaction[];
}

interface RpcBlock {
  number: string;
  hash: string;
  transactions: { hash: string; from: string; to: string | null; value: string }[] | string[];
}

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

const ERC20 = ['function transfer(address to, uint256 value) returns (bool)', 'function mint(address to, uint256 value)', 'function balanceOf(address) view returns (uint256)'];

export class ChainClient {
  readonly provider: JsonRpcProvider;
  calls = 0;

  constructor(readonly spec: ChainSpec) {
    // staticNetwork: no network detection (and none of its retries and logs while a node is away).
    // cacheTimeout -1: no answer reused (ethers keeps some 250 ms by default), or two payments in a
    // row would read the same nonce.
    this.provider = new JsonRpcProvider(spec.rpcUrl, spec.chainId, { staticNetwork: true, batchMaxCount: 100, batchStallTime: 2, cacheTimeout: -1 });
  }

  private send<T>(method: string, params: unknown[]): Promise<T> {
    this.calls++;
    return this.provider.send(method, params) as Promise<T>;
  }

  async head(): Promise<number> {
    return Number(await this.send<string>('eth_blockNumber', []));
  }

  /** The canonical hash of block `number`, or null past the head. */
  async blockHash(number: number): Promise<string | null> {
    const block = await this.send<RpcBlock | null>('eth_getBlockByNumber', [toQuantity(number), false]);
    return block ? block.hash.toLowerCase() : null;
  }

  /** Blocks `from`..`to` with their transactions, in one batch. */
  async blocks(from: number, to: number): Promise<ChainBlock[]> {
    const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const blocks = await Promise.all(numbers.map((n) => this.send<RpcBlock | null>('eth_getBlockByNumber', [toQuantity(n), true])));
    return blocks.map((block, i) => {
      if (!block) throw new Error(`block ${numbers[i]} is not on ${this.spec.name} (the chain moved while it was read)`);
      const hash = block.hash.toLowerCase();
      const number = Number(block.number);
      const transactions = (block.transactions as Exclude<RpcBlock['transactions'], string[]>).map((tx) => ({
        hash: tx.hash,
        from: tx.from,
        to: tx.to,
        value: BigInt(tx.value),
        blockNumber: number,
        blockHash: hash,
      }));
      return { number, hash, transactions };
    });
  }

  /** Transfer logs of the chain's tokens in blocks `from`..`to` (one call). */
  async transferLogs(from: number, to: number): Promise<ChainLog[]> {
    if (this.spec.tokens.length === 0) return [];
    const logs = await this.send<RpcLog[]>('eth_getLogs', [
      { fromBlock: toQuantity(from), toBlock: toQuantity(to), address: this.spec.tokens.map((t) => t.address), topics: [TRANSFER_TOPIC] },
    ]);
    return logs.map((log) => ({
      address: log.address,
      topics: log.topics,
      data: log.data,
      blockNumber: Number(log.blockNumber),
      blockHash: log.blockHash.toLowerCase(),
      transactionHash: log.transactionHash,
      logIndex: Number(log.logIndex),
      removed: log.removed,
    }));
  }

  /** A mined transaction's block and logs (null when the node knows no such mined transaction). */
  async receipt(txHash: string): Promise<{ blockNumber: number; blockHash: string; status: number; to: string | null; logs: ChainLog[] } | null> {
    const receipt = await this.send<{
      blockNumber: string;
      blockHash: string;
      status: string;
      to: string | null;
      logs: RpcLog[];
    } | null>('eth_getTransactionReceipt', [txHash]);
    if (!receipt) return null;
    return {
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash.toLowerCase(),
      status: Number(receipt.status),
      to: receipt.to,
      logs: receipt.logs.map((log) => ({
        address: log.address,
        topics: log.topics,
        data: log.data,
        blockNumber: Number(log.blockNumber),
        blockHash: log.blockHash.toLowerCase(),
        transactionHash: log.transactionHash,
        logIndex: Number(log.logIndex),
        removed: log.removed,
      })),
    };
  }

  /** A transaction's sender, recipient and value (null when unknown). */
  async transaction(txHash: string): Promise<{ from: string; to: string | null; value: bigint } | null> {
    const tx = await this.send<{ from: string; to: string | null; value: string } | null>('eth_getTransactionByHash', [txHash]);
    return tx ? { from: tx.from, to: tx.to, value: BigInt(tx.value) } : null;
  }

  /**
   * Sends `units` of `asset` (the coin, or a token — minted when the wallet is the token's
   * minter, as on the local chains) from `privateKey` to `to`. Returns the transaction hash once
   * it is mined.
   */
  async pay(privateKey: string, to: string, asset: string, units: bigint, mint: boolean): Promise<string> {
    const wallet = new NonceManager(new Wallet(privateKey, this.provider));
    const recipient = getAddress(to);
    if (asset === this.spec.native.symbol) {
      const tx = await wallet.sendTransaction({ to: recipient, value: units });
      await tx.wait();
      return tx.hash;
    }
    const token = this.spec.tokens.find((t) => t.symbol === asset);
    if (!token) throw new Error(`${asset} is not a token of ${this.spec.name}`);
    const contract = new Contract(token.address, ERC20, wallet);
    const tx = mint ? await contract.mint(recipient, units) : await contract.transfer(recipient, units);
    await tx.wait();
    return tx.hash as string;
  }

  destroy(): void {
    this.provider.destroy();
  }
}
