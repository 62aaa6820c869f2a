import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';

/**
 * What the gateway's caches of public data share: the rule for what counts as public, and the
 * write epochs that make a write through this gateway visible to the next read at once.
 *
 * A subgraph marks data public with `@cacheControl` hints, which Apollo Server turns into a
 * `Cache-Control: max-age=N, public` response header; data without a hint (everything about a
 * user) gets no such header and is never stored. Each subgraph has a write epoch that a mutation
 * sent to it advances; cached answers remember the epochs of the subgraphs they came from and
 * are dropped when one has moved, so a client that changes something and reads it back through
 * the gateway never sees the old value (the hint's max-age bounds staleness only for changes
 * made elsewhere, as the subgraph promised).
 */

/** max-age in seconds when the header says public and max-age > 0, else null. */
export function publicMaxAge(cacheControl: string | null | undefined): number | null {
  if (!cacheControl) return null;
  let maxAge: number | null = null;
  let isPublic = false;
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name, value] = directive.trim().split('=');
    if (name === 'public') isPublic = true;
    else if (name === 'private' || name === 'no-store' || name === 'no-cache') return null;
    else if (name === 'max-age' && value !== undefined && /^\d+$/.test(value)) maxAge = Number(value);
  }
  return isPublic && maxAge !== null && maxAge > 0 ? maxAge : null;
}

const epochs = new Map<string, number>();
/**
 * The subgraphs each request (by its context object) has fetched from, with their epochs when
 * it first did, for the response cache: a write that lands while the request runs makes its
 * answer stale at once.
 */
const touchedBy = new WeakMap<object, Map<string, number>>();

export function epochOf(subgraph: string): number {
  return epochs.get(subgraph) ?? 0;
}

/** Records that a request fetched from `subgraph`; a mutation advances the subgraph's epoch. */
export function noteFetch(context: object | undefined, subgraph: string, isMutation: boolean): void {
  if (context) {
    let touched = touchedBy.get(context);
    if (!touched) touchedBy.set(context, (touched = new Map()));
    if (!touched.has(subgraph)) touched.set(subgraph, epochOf(subgraph));
  }
  if (isMutation) epochs.set(subgraph, epochOf(subgraph) + 1);
}

/** The epochs of the subgraphs a request fetched from, as they were when it fetched. */
export function epochsTouchedBy(context: object): Map<string, number> {
  return new Map(touchedBy.get(context) ?? []);
}

export function epochsCurrent(snapshot: Map<string, number>): boolean {
  for (const [subgraph, epoch] of snapshot) if (epochOf(subgraph) !== epoch) return false;
  return true;
}

interface StoredFetch {
  /** Serialized, so no later merge into one request's result can alter what the next one gets. */
  json: string;
  until: number;
  epoch: number;
}

/**
 * Subgraph answers the subgraph declared public, keyed by subgraph, operation and variables (not
 * by caller: public means the same for everyone). This catches the public part of queries that
 * also touch live or private data, e.g. market listings fetched alongside order books.
 */
export class PublicFetchCache {
  private readonly entries = new Map<string, StoredFetch>();

  constructor(private readonly maxEntries = 5_000) {}

  static key(subgraph: string, query: string, variables: Record<string, unknown> | undefined): string {
    return JSON.stringify([subgraph, query, variables ?? {}]);
  }

  /** A fresh copy of a stored answer and its remaining max-age in seconds, or null. */
  get(key: string, subgraph: string): { response: GatewayGraphQLResponse; maxAge: number } | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    const left = entry.until - Date.now();
    if (left <= 0 || entry.epoch !== epochOf(subgraph)) {
      this.entries.delete(key);
      return null;
    }
    return { response: JSON.parse(entry.json) as GatewayGraphQLResponse, maxAge: Math.max(1, Math.floor(left / 1000)) };
  }

  store(key: string, subgraph: string, response: GatewayGraphQLResponse, maxAge: number, epoch: number): void {
    if (response.errors?.length || !response.data) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { json: JSON.stringify({ data: response.data }), until: Date.now() + maxAge * 1000, epoch });
  }

  get size(): number {
    return this.entries.size;
  }
}
