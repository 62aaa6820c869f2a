/**
 * The one way a Redis channel name is made: `<domain>.<event>.<scope>`, the domain being the
 * subgraph that publishes it. The event bus adds the system's namespace (REDIS_NAMESPACE).
 */
export function channel(domain: string, event: string, scope: string): string {
  return `${domain}.${event}.${scope}`;
}

/** Dates cross Redis as ISO strings; a consumer in the same process may still see a Date. */
export type WireDate = string | Date;
