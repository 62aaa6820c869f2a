import { createHash } from 'node:crypto';
import { Contract, Interface, Transaction, Wallet, getAddress, toQuantity, type JsonRpcProvider } from 'ethers';
import { openSecret, parseSealingKeyring, sealSecret, type EntityManager } from '@tradegraph/shared';
import { feePerGas, type FeeEstimate } from '../domain/withdrawals';

/**
 * The hot wallet withdrawals are sent from (docs/architecture.md, "Withdrawals"). Its key is
 * FUNDING_HOT_WALLET_KEY when set; otherwise funding makes one at first start and keeps it
 * sealed (AES-256-GCM, FUNDING_SEED_KEYS, the same keyring as the HD seed) in funding.hot_wallet.
 * It signs offline: the signed transaction is recorded before it is sent (app/withdrawal-sender.ts).
 */
const SEALED_CONTEXT = 'funding.hot_wallet';
/** The development sealing key (the same public one hd-keys.ts uses; production requires FUNDING_SEED_KEYS). */
const DEV_SEED_KEY = createHash('sha256').update('tradegraph funding development seed key').digest();

const ERC20 = new Interface(['function transfer(address to, uint256 value) returns (bool)']);

export interface HotWalletSettings {
  key: string | undefined;
  seedKeys: string | undefined;
  production: boolean;
}

export interface UnsignedWithdrawalTx {
  chainId: number;
  nonce: number;
  /** The recipient of the coin, or the token contract. */
  to: string;
  value: bigint;
  data: string;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** The gas limit a signed transaction carries. */
export function gasLimitOf(rawTx: string): bigint {
  return Transaction.from(rawTx).gasLimit;
}

export class HotWallet {
  constructor(private readonly wallet: Wallet) {}

  get address(): string {
    return this.wallet.address;
  }

  /** Signs offline: the raw transaction and its hash. */
  async sign(tx: UnsignedWithdrawalTx): Promise<{ rawTx: string; txHash: string }> {
    const rawTx = await this.wallet.signTransaction({ type: 2, ...tx });
    return { rawTx, txHash: Transaction.from(rawTx).hash!.toLowerCase() };
  }
}

export async function loadHotWallet(em: EntityManager, settings: HotWalletSettings): Promise<HotWallet> {
  if (settings.key) return new HotWallet(new Wallet(settings.key));
  const keyring = parseSealingKeyring('FUNDING_SEED_KEYS', settings.seedKeys, settings.production, DEV_SEED_KEY);
  const read = () => em.execute<{ keyId: string; sealed: Buffer }[]>('select key_id as "keyId", sealed_key as sealed from funding.hot_wallet where id = 1');
  let rows = await read();
  if (rows.length === 0) {
    const fresh = Wallet.createRandom();
    const sealed = sealSecret(keyring, Buffer.from(fresh.privateKey.slice(2), 'hex'), SEALED_CONTEXT);
    // Two processes starting at once: the first insert wins and both read it back.
    await em.execute('insert into funding.hot_wallet (id, address, key_id, sealed_key) values (1, ?, ?, ?) on conflict (id) do nothing', [
      fresh.address,
      sealed.keyId,
      sealed.blob,
    ]);
    rows = await read();
  }
  const key = openSecret(keyring, { keyId: rows[0].keyId, blob: rows[0].sealed }, SEALED_CONTEXT);
  return new HotWallet(new Wallet(`0x${key.toString('hex')}`));
}

/** A withdrawal's call: the coin to the recipient, or the token's `transfer(recipient, units)`. */
export function withdrawalCall(token: string | null, recipient: string, units: bigint): { to: string; value: bigint; data: string } {
  if (token === null) return { to: getAddress(recipient), value: units, data: '0x' };
  return { to: getAddress(token), value: 0n, data: ERC20.encodeFunctionData('transfer', [getAddress(recipient), units]) };
}

/** Gas limits used when the node cannot estimate (the hot wallet is short of the token, say). */
const FALLBACK_GAS = { coin: 21_000n, token: 100_000n };

/** The chain calls withdrawals need, on a chain client's provider. */
export class WithdrawalChain {
  constructor(private readonly provider: JsonRpcProvider) {}

  /**
   * Gas limit (estimate + 20 %) and fees per gas from `eth_feeHistory`. Estimated on the latest
   * block, not the pending one: a replacement estimated on top of the transaction it replaces
   * would see that one's effects (a token recipient no longer new) and run out of gas.
   */
  async estimate(from: string, call: { to: string; value: bigint; data: string }): Promise<FeeEstimate> {
    const estimateGas = this.provider
      .send('eth_estimateGas', [{ from, to: call.to, value: toQuantity(call.value), data: call.data }, 'latest'])
      .then((gas: string) => (BigInt(gas) * 12n) / 10n)
      .catch(() => (call.data === '0x' ? FALLBACK_GAS.coin : FALLBACK_GAS.token));
    const [gasLimit, history] = await Promise.all([
      estimateGas,
      this.provider.send('eth_feeHistory', [toQuantity(5), 'latest', [50]]) as Promise<{ baseFeePerGas: string[]; reward?: string[][] }>,
    ]);
    const nextBaseFee = BigInt(history.baseFeePerGas[history.baseFeePerGas.length - 1] ?? '0x0');
    const tips = (history.reward ?? []).map((r) => BigInt(r[0] ?? '0x0')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const medianTip = tips.length > 0 ? tips[Math.floor(tips.length / 2)] : 0n;
    return { gasLimit, ...feePerGas(nextBaseFee, medianTip) };
  }

  /** The wallet's transaction count including pending ones (the first nonce ever used). */
  async pendingCount(address: string): Promise<number> {
    return Number(await this.provider.send('eth_getTransactionCount', [address, 'pending']));
  }

  /** The wallet's mined transaction count. */
  async minedCount(address: string): Promise<number> {
    return Number(await this.provider.send('eth_getTransactionCount', [address, 'latest']));
  }

  /**
   * Sends a signed transaction. A node that knows it already (sent before a crash) or has mined
   * its nonce answers an error that is not a failure here: the receipt decides.
   */
  async broadcast(rawTx: string): Promise<'sent' | 'known' | 'nonce_used'> {
    try {
      await this.provider.send('eth_sendRawTransaction', [rawTx]);
      return 'sent';
    } catch (error) {
      const message = String((error as { message?: string }).message ?? error).toLowerCase();
      if (message.includes('already known') || message.includes('known transaction') || message.includes('already imported')) return 'known';
      if (message.includes('nonce too low') || message.includes('nonce has already been used')) return 'nonce_used';
      throw error;
    }
  }

  /** A mined transaction's block, status and what its gas cost (gasUsed × effectiveGasPrice, in wei). */
  async receipt(txHash: string): Promise<{ blockNumber: number; status: number; gasCost: bigint } | null> {
    const receipt = (await this.provider.send('eth_getTransactionReceipt', [txHash])) as { blockNumber: string; status: string; gasUsed: string; effectiveGasPrice?: string } | null;
    return receipt
      ? { blockNumber: Number(receipt.blockNumber), status: Number(receipt.status), gasCost: BigInt(receipt.gasUsed ?? '0x0') * BigInt(receipt.effectiveGasPrice ?? '0x0') }
      : null;
  }

  async head(): Promise<number> {
    return Number(await this.provider.send('eth_blockNumber', []));
  }

  async balance(address: string, token: string | null): Promise<bigint> {
    if (token === null) return BigInt(await this.provider.send('eth_getBalance', [address, 'latest']));
    const contract = new Contract(token, ['function balanceOf(address) view returns (uint256)'], this.provider);
    return (await contract.balanceOf(address)) as bigint;
  }
}
