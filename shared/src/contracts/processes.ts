/**
 * The processes of the system and where each listens by default: the gateway at PORT_BASE
 * (4000), accounts at +1, … matching at +6. Ports are configured in config/ from these offsets.
 */
export const SUBGRAPH_NAMES = ['accounts', 'markets', 'trading', 'funding', 'analytics', 'matching'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
export type ProcessName = SubgraphName | 'gateway';

export const PORT_OFFSETS: Readonly<Record<ProcessName, number>> = {
  gateway: 0,
  accounts: 1,
  markets: 2,
  trading: 3,
  funding: 4,
  analytics: 5,
  matching: 6,
};

/** Every subgraph serves GraphQL here; the gateway reaches it at `<NAME>_URL` (config). */
export const GRAPHQL_PATH = '/graphql';
