import type { SubgraphName } from '@tradegraph/shared';

/** What a subgraph's `/ready` said: `ready`, its own status (`starting`, `stopping`, …) or `unreachable`. */
export type SubgraphStatus = string;

/**
 * The gateway's readiness: it can serve the whole graph only when every subgraph is ready. Each
 * subgraph's `/ready` is asked with a short timeout, and the answer is shared for a second so a
 * load balancer polling many gateways does not multiply the checks.
 */
export class SubgraphReadiness {
  private last: { at: number; result: Promise<Record<string, SubgraphStatus>> } | undefined;

  constructor(
    private readonly subgraphs: { name: SubgraphName; url: string }[],
    private readonly options = { timeoutMs: 1000, reuseMs: 1000 },
  ) {}

  check(): Promise<Record<string, SubgraphStatus>> {
    if (this.last && Date.now() - this.last.at < this.options.reuseMs) return this.last.result;
    const result = Promise.all(this.subgraphs.map(async ({ name, url }) => [name, await this.statusOf(url)] as const)).then(
      (entries) => Object.fromEntries(entries),
    );
    this.last = { at: Date.now(), result };
    return result;
  }

  private async statusOf(graphqlUrl: string): Promise<SubgraphStatus> {
    const url = new URL(graphqlUrl);
    url.pathname = '/ready';
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
      const body = (await response.json().catch(() => ({}))) as { status?: unknown };
      return response.ok ? 'ready' : typeof body.status === 'string' ? body.status : `http ${response.status}`;
    } catch {
      return 'unreachable';
    }
  }
}
