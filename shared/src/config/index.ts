import { z } from 'zod';
import { JWKS_PATH } from '../contracts/accounts-sessions';
import { GRAPHQL_PATH, PORT_OFFSETS, type ProcessName, type SubgraphName } from '../contracts/processes';
import { VARIABLES, type VariableName } from './variables';

export { SUBGRAPH_NAMES, type ProcessName, type SubgraphName } from '../contracts/processes';
export { VARIABLES, type Variable, type VariableName } from './variables';
export * from './chains';

/**
 * The system's configuration: every variable of variables.ts, parsed and validated in one go.
 * A process reads it once at start (`config()`), and every module takes its settings from it;
 * nothing else reads `process.env` (docs/architecture.md, "Configuration").
 */
export type Config = { readonly [Name in VariableName]: z.output<(typeof VARIABLES)[Name]['schema']> };

const SCHEMA = z.object(Object.fromEntries(Object.entries(VARIABLES).map(([name, { schema }]) => [name, schema])) as {
  [Name in VariableName]: (typeof VARIABLES)[Name]['schema'];
});

/** A configuration that could not be parsed: every bad variable named, with what was wrong. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `source` (the environment by default); an empty string counts as unset. Pure: no caching. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const present: Record<string, string> = {};
  for (const name of Object.keys(VARIABLES)) {
    const value = source[name];
    if (value !== undefined && value !== '') present[name] = value;
  }
  const parsed = SCHEMA.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message} (got "${present[String(issue.path[0])]}")`));
  }
  return Object.freeze(parsed.data) as Config;
}

let current: Config | undefined;

/**
 * This process's configuration, parsed from the environment on first use. Every process calls
 * it while starting (startSubgraph, the gateway, the launcher), so a bad value stops the start.
 */
export function config(): Config {
  return (current ??= loadConfig());
}

/** Parses the environment again: for the launcher after it sets its own variables, and tests. */
export function reloadConfig(): Config {
  current = undefined;
  return config();
}

// Derived settings: defaults that depend on other variables.

export function portBase(settings: Config = config()): number {
  return settings.PORT_BASE;
}

/** `<NAME>_PORT` wins; otherwise PORT_BASE + the process's offset. */
export function portOf(name: ProcessName, settings: Config = config()): number {
  return settings[`${name.toUpperCase() as Uppercase<ProcessName>}_PORT`] ?? settings.PORT_BASE + PORT_OFFSETS[name];
}

/** Where the gateway reaches a subgraph over HTTP: `<NAME>_URL` or the local default. */
/**
 * The address people are told to open: the start-up line and the README print it, and it is
 * SIWE's default domain (accounts), so a wallet signing in from the playground names the domain
 * the server expects. Loopback, where every process listens by default (BIND_HOST).
 */
export function gatewayPublicUrl(settings: Config = config()): string {
  return `http://127.0.0.1:${portOf('gateway', settings)}`;
}

export function subgraphUrl(name: SubgraphName, settings: Config = config()): string {
  return settings[`${name.toUpperCase() as Uppercase<SubgraphName>}_URL`] ?? `http://127.0.0.1:${portOf(name, settings)}${GRAPHQL_PATH}`;
}

/** A subgraph's HTTP server root (its internal routes live there): its URL without `/graphql`. */
export function subgraphBaseUrl(name: SubgraphName, settings: Config = config()): string {
  return subgraphUrl(name, settings).replace(/\/graphql\/?$/, '');
}

/** The same endpoint over WebSocket (graphql-ws), used for subscriptions. */
export function subgraphWsUrl(name: SubgraphName, settings: Config = config()): string {
  return subgraphUrl(name, settings).replace(/^http/, 'ws');
}

export function databaseUrl(settings: Config = config()): string | undefined {
  return settings.DATABASE_URL;
}

export function redisUrl(settings: Config = config()): string | undefined {
  return settings.REDIS_URL;
}

/**
 * Prefix for every Redis channel and key this system uses, so several systems can share one
 * Redis (two test runs on one machine, staging beside a demo) without hearing each other.
 * Empty by default: channels are then exactly `<domain>.<event>.<scope>`.
 */
export function redisNamespace(settings: Config = config()): string {
  return settings.REDIS_NAMESPACE;
}

/** A Redis channel or key name inside this system's namespace. */
export function redisName(name: string): string {
  const namespace = redisNamespace();
  return namespace ? `${namespace}:${name}` : name;
}

export function isProduction(settings: Config = config()): boolean {
  return settings.NODE_ENV === 'production';
}

/** Schema introspection (and "Did you mean …?" hints): INTROSPECTION, else on unless in production. */
export function introspectionEnabled(settings: Config = config()): boolean {
  return settings.INTROSPECTION ?? !isProduction(settings);
}

export function jwksUrl(settings: Config = config()): string {
  return settings.JWKS_URL ?? `http://127.0.0.1:${portOf('accounts', settings)}${JWKS_PATH}`;
}

/** Folder for the embedded database and other local state when no DATABASE_URL is given. */
export function dataDir(settings: Config = config()): string {
  return settings.DATA_DIR;
}
