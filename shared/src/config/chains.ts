import { z } from 'zod';

/**
 * The EVM chains funding watches (CHAINS), and the two local chains the embedded system and the
 * tests start when CHAINS is unset (launcher/src/devnet.ts): `ethereum` plays the source chain
 * and `arbitrum` the settlement chain, where deposits end up as USDC. A real deployment sets
 * CHAINS to its providers' RPC URLs and the real token addresses; no code changes.
 */
export interface ChainAsset {
  symbol: string;
  decimals: number;
  /** Less than this (a decimal string) is dust: shown, never credited. */
  minimum: string;
}

export interface ChainToken extends ChainAsset {
  /** The ERC-20 contract, 0x + 40 hex. */
  address: string;
}

export interface ChainSpec {
  name: string;
  chainId: number;
  rpcUrl: string;
  /** Blocks (the deposit's own included) before a deposit counts as confirmed. */
  confirmations: number;
  /** The chain's own coin (ETH on both local chains). */
  native: ChainAsset;
  tokens: ChainToken[];
}

const decimal = z.string().regex(/^\d{1,20}(\.\d{1,18})?$/, 'must be a decimal such as 0.5');
const asset = z.object({ symbol: z.string().regex(/^[A-Z0-9]{2,10}$/), decimals: z.number().int().min(0).max(30), minimum: decimal });
const chain = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/),
  chainId: z.number().int().min(1),
  rpcUrl: z.url(),
  confirmations: z.number().int().min(1).max(10_000),
  native: asset,
  tokens: z.array(asset.extend({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) })),
});
const chains = z.array(chain).refine((list) => new Set(list.map((c) => c.name)).size === list.length, 'chain names must differ');

/**
 * The well-known first account of a hardhat node (its default mnemonic "test test … junk"):
 * it deploys the local chains' tokens, mints them, and pays the dev faucet. Public knowledge,
 * and used only with the local chains (never in production: devnetFaucet is refused there).
 */
export const DEVNET_DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

/**
 * The tokens of a local chain, in deployment order: the deployer's nonces 0, 1, 2 make their
 * addresses, so they are the same on every local chain and every start.
 */
export const DEVNET_TOKENS: readonly ChainToken[] = [
  { symbol: 'USDC', decimals: 6, minimum: '1', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
  { symbol: 'USDT', decimals: 6, minimum: '1', address: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
  { symbol: 'WETH', decimals: 18, minimum: '0.0005', address: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' },
];

/** The two local chains: ports PORT_BASE + 545 (ethereum) and + 546 (arbitrum). */
export function devnetChains(portBase: number): ChainSpec[] {
  const native = { symbol: 'ETH', decimals: 18, minimum: '0.0005' };
  return [
    { name: 'ethereum', chainId: 31337, rpcUrl: `http://127.0.0.1:${portBase + 545}`, confirmations: 3, native, tokens: [...DEVNET_TOKENS] },
    { name: 'arbitrum', chainId: 412346, rpcUrl: `http://127.0.0.1:${portBase + 546}`, confirmations: 2, native, tokens: [...DEVNET_TOKENS] },
  ];
}

/** Parses a CHAINS value (JSON); throws naming what is wrong. */
export function parseChains(text: string): ChainSpec[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('must be JSON: a list of chains, or none');
  }
  const parsed = chains.safeParse(value);
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  return parsed.data;
}

/** The chains of this configuration: CHAINS, `none` for no chains, or the local pair when unset. */
export function chainsOf(settings: { readonly CHAINS?: ChainSpec[]; readonly PORT_BASE: number }): ChainSpec[] {
  if (settings.CHAINS === undefined) return devnetChains(settings.PORT_BASE);
  return settings.CHAINS;
}

/** Whether these chains are the local pair the launcher starts (CHAINS unset). */
export function usesDevnetChains(settings: { readonly CHAINS?: ChainSpec[] }): boolean {
  return settings.CHAINS === undefined;
}
