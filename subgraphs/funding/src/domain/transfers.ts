import type { ChainAsset, ChainToken } from '@tradegraph/shared/domain';
import { decimalToUnits, initialStatus } from './deposits';

/**
 * Money arriving at deposit addresses, read from what a node returns: ERC-20 `Transfer` logs of
 * the chain's known tokens (one `eth_getLogs` over a range of blocks) and plain coin transfers
 * (the transactions of each block). Which addresses are ours is a set lookup, so the cost is per
 * block and per log, never per address.
 */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** The log index a coin transfer is recorded under (a transaction pays coin at most once to its `to`). */
export const NATIVE_LOG_INDEX = -1;

export interface ChainLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  logIndex: number;
  removed?: boolean;
}

export interface ChainTransaction {
  hash: string;
  from: string;
  to: string | null;
  value: bigint;
  blockNumber: number;
  blockHash: string;
}

export interface Transfer {
  txHash: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
  from: string;
  /** The deposit address paid, lower case. */
  to: string;
  asset: string;
  /** The token contract, lower case; null for the chain's coin. */
  tokenAddress: string | null;
  decimals: number;
  units: bigint;
  minimumUnits: bigint;
}

const topicAddress = (topic: string) => `0x${topic.slice(-40)}`.toLowerCase();

/** Transfers of known tokens to one of our addresses, in the logs' order. */
export function tokenTransfers(logs: readonly ChainLog[], tokens: readonly ChainToken[], isOurs: (address: string) => boolean): Transfer[] {
  const byAddress = new Map(tokens.map((token) => [token.address.toLowerCase(), token]));
  const transfers: Transfer[] = [];
  for (const log of logs) {
    if (log.removed || log.topics.length !== 3 || log.topics[0].toLowerCase() !== TRANSFER_TOPIC) continue;
    const token = byAddress.get(log.address.toLowerCase());
    const to = topicAddress(log.topics[2]);
    if (!token || !isOurs(to)) continue;
    const units = BigInt(log.data === '0x' ? 0 : log.data);
    if (units === 0n) continue;
    transfers.push({
      txHash: log.transactionHash.toLowerCase(),
      logIndex: log.logIndex,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash.toLowerCase(),
      from: topicAddress(log.topics[1]),
      to,
      asset: token.symbol,
      tokenAddress: token.address.toLowerCase(),
      decimals: token.decimals,
      units,
      minimumUnits: decimalToUnits(token.minimum, token.decimals),
    });
  }
  return transfers;
}

/** Coin sent to one of our addresses by a transaction of these blocks. */
export function nativeTransfers(transactions: readonly ChainTransaction[], native: ChainAsset, isOurs: (address: string) => boolean): Transfer[] {
  const minimumUnits = decimalToUnits(native.minimum, native.decimals);
  return transactions
    .filter((tx) => tx.to !== null && tx.value > 0n && isOurs(tx.to.toLowerCase()))
    .map((tx) => ({
      txHash: tx.hash.toLowerCase(),
      logIndex: NATIVE_LOG_INDEX,
      blockNumber: tx.blockNumber,
      blockHash: tx.blockHash.toLowerCase(),
      from: tx.from.toLowerCase(),
      to: tx.to!.toLowerCase(),
      asset: native.symbol,
      tokenAddress: null,
      decimals: native.decimals,
      units: tx.value,
      minimumUnits,
    }));
}

/** The status a transfer is first recorded with. */
export const statusOfNewTransfer = (transfer: Transfer) => initialStatus(transfer.units, transfer.minimumUnits);
