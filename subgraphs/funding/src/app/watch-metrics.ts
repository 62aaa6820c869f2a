import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * What the chain watchers do, per chain: JSON-RPC calls against blocks read (the cost per block
 * stays constant however many deposit addresses there are), deposits found, and the time from
 * the pass that sees a deposit's last confirmation to its credit.
 */
export function watchMetrics(registry: Registry) {
  return {
    rpcCalls: new Counter({ name: 'funding_chain_rpc_calls_total', help: 'JSON-RPC calls made to the chain node', labelNames: ['chain'], registers: [registry] }),
    blocks: new Counter({ name: 'funding_chain_blocks_read_total', help: 'Blocks read by the watcher', labelNames: ['chain'], registers: [registry] }),
    found: new Counter({ name: 'funding_deposits_found_total', help: 'Transfers to deposit addresses found on chain', labelNames: ['chain'], registers: [registry] }),
    creditSeconds: new Histogram({
      name: 'funding_deposit_credit_seconds',
      help: "From the pass that read the head giving a deposit its last confirmation to the deposit's credit (swap included)",
      labelNames: ['chain'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type WatchMetrics = ReturnType<typeof watchMetrics>;
