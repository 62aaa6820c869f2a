import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ContractFactory, JsonRpcProvider, NonceManager, Wallet } from 'ethers';
import { DEVNET_DEPLOYER_KEY, DEVNET_TOKENS, type ChainSpec, type Logger } from '@tradegraph/shared';

/**
 * The local chains (DESIGN §7): each a real `hardhat node` (an EVM JSON-RPC node from npm) in a
 * process group of its own, with the test tokens (launcher/contracts/TestToken.sol, compiled by
 * the build with solc-js) deployed by the well-known deployer account at nonces 0, 1, 2 — so
 * their addresses are the constants DEVNET_TOKENS on every chain and every start. The embedded
 * `npm start` and the end-to-end tests start them; a node's state lives only in its memory, so
 * every start is a fresh chain (the watcher notices the old blocks are gone: see funding).
 */
export interface RunningChain {
  name: string;
  chainId: number;
  rpcUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export interface DevnetOptions {
  /** Mine a block this often besides one per transaction (0: only per transaction). */
  blockMs: number;
  /** Where the node's output goes (appended); none: discarded. */
  logFile?: string;
  logger?: Logger;
  /** How long a node may take to answer (it takes about a second here). */
  startTimeoutMs?: number;
}

const DEVNET_DIR = path.resolve(__dirname, '..', 'devnet');
const ARTIFACT = path.resolve(__dirname, 'contracts', 'TestToken.json');
const TOKEN_NAMES: Record<string, string> = { USDC: 'USD Coin (test)', USDT: 'Tether USD (test)', WETH: 'Wrapped Ether (test)' };

export async function startDevnets(chains: readonly ChainSpec[], options: DevnetOptions): Promise<RunningChain[]> {
  const started = await Promise.allSettled(chains.map((chain) => startDevnet(chain, options)));
  const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.all(running.map((chain) => chain.stop()));
    throw failed.reason;
  }
  return running;
}

export async function startDevnet(chain: ChainSpec, options: DevnetOptions): Promise<RunningChain> {
  const url = new URL(chain.rpcUrl);
  const host = url.hostname;
  const port = Number(url.port);
  // On a fresh checkout the data folder does not exist yet (the database, starting beside, makes it too).
  if (options.logFile) fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(process.execPath, [require.resolve('hardhat/internal/cli/cli.js'), 'node', '--hostname', host, '--port', String(port)], {
    cwd: DEVNET_DIR,
    env: {
      ...process.env,
      DEVNET_CHAIN_ID: String(chain.chainId),
      DEVNET_INTERVAL_MS: String(options.blockMs),
      DEVNET_PARENT_PID: String(process.pid),
      HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
    },
    stdio: ['ignore', log, log],
    // Its own process group: a terminal's Ctrl-C reaches only us, and we stop it once.
    detached: true,
  });
  if (typeof log === 'number') fs.closeSync(log);
  const stop = () => stopChild(child);
  try {
    const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, batchMaxCount: 1 });
    await waitForNode(provider, child, chain, options.startTimeoutMs ?? 30_000);
    await deployTokens(provider);
    provider.destroy();
  } catch (error) {
    await stop();
    throw error;
  }
  options.logger?.info({ chain: chain.name, chainId: chain.chainId, rpcUrl: chain.rpcUrl, pid: child.pid }, 'local chain started');
  return { name: chain.name, chainId: chain.chainId, rpcUrl: chain.rpcUrl, pid: child.pid!, stop };
}

async function waitForNode(provider: JsonRpcProvider, child: ChildProcess, chain: ChainSpec, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the ${chain.name} node exited (${child.exitCode ?? child.signalCode}) before answering; is ${chain.rpcUrl} in use?`);
    }
    try {
      const id = await provider.send('eth_chainId', []);
      if (Number(id) !== chain.chainId) throw new Error(`${chain.rpcUrl} answers as chain ${Number(id)}, not ${chain.chainId}: another node holds the port`);
      return;
    } catch (error) {
      if (error instanceof Error && error.message.includes('another node holds the port')) throw error;
    }
    if (Date.now() > deadline) throw new Error(`the ${chain.name} node did not answer at ${chain.rpcUrl} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Deploys USDC, USDT and WETH in that order from the deployer, and checks they landed where DEVNET_TOKENS says. */
async function deployTokens(provider: JsonRpcProvider): Promise<void> {
  const artifact = JSON.parse(fs.readFileSync(ARTIFACT, 'utf8')) as { abi: unknown[]; bytecode: string };
  const deployer = new NonceManager(new Wallet(DEVNET_DEPLOYER_KEY, provider));
  if ((await provider.getTransactionCount(await deployer.getAddress())) !== 0) {
    throw new Error('the deployer has sent transactions already: this is not a fresh local chain');
  }
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, deployer);
  for (const token of DEVNET_TOKENS) {
    const contract = await factory.deploy(TOKEN_NAMES[token.symbol] ?? token.symbol, token.symbol, token.decimals);
    await contract.waitForDeployment();
    const address = await contract.getAddress();
    if (address.toLowerCase() !== token.address.toLowerCase()) throw new Error(`${token.symbol} was deployed at ${address}, not ${token.address}`);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    setTimeout(() => signal('SIGKILL'), 3000).unref();
  });
}
