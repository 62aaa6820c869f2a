/**
 * Configuration read once from the environment. Every process of the system uses this one
 * module so ports, URLs and modes mean the same thing everywhere.
 */
import { JWKS_PATH } from './contracts/accounts-sessions';
import { PORT_OFFSETS, type ProcessName, type SubgraphName } from './contracts/processes';

export { SUBGRAPH_NAMES, type ProcessName, type SubgraphName } from './contracts/processes';

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A whole number of at least 1 from `source[name]`, or `fallback` when unset or empty; anything
 * else stops the process at start with the variable's name (limits and budgets must not be NaN).
 */
export function positiveIntEnv(name: string, fallback: number, source: NodeJS.ProcessEnv = process.env): number {
  const raw = source[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
}

export function portBase(): number {
  return Number(env('PORT_BASE') ?? 4000);
}

/** `<NAME>_PORT` wins; otherwise PORT_BASE + the process's offset. */
export function portOf(name: ProcessName): number {
  const explicit = env(`${name.toUpperCase()}_PORT`);
  return explicit ? Number(explicit) : portBase() + PORT_OFFSETS[name];
}

/** Where the gateway reaches a subgraph over HTTP: `<NAME>_URL` or the local default. */
export function subgraphUrl(name: SubgraphName): string {
  return env(`${name.toUpperCase()}_URL`) ?? `http://127.0.0.1:${portOf(name)}/graphql`;
}

/** The same endpoint over WebSocket (graphql-ws), used for subscriptions. */
export function subgraphWsUrl(name: SubgraphName): string {
  return subgraphUrl(name).replace(/^http/, 'ws');
}

export function databaseUrl(): string | undefined {
  return env('DATABASE_URL');
}

export function redisUrl(): string | undefined {
  return env('REDIS_URL');
}

/**
 * Prefix for every Redis channel and key this system uses, so several systems can share one
 * Redis (two test runs on one machine, staging beside a demo) without hearing each other.
 * Empty by default: channels are then exactly `<domain>.<event>.<scope>`.
 */
export function redisNamespace(): string {
  return env('REDIS_NAMESPACE') ?? '';
}

/** A Redis channel or key name inside this system's namespace. */
export function redisName(name: string): string {
  const namespace = redisNamespace();
  return namespace ? `${namespace}:${name}` : name;
}

export function isProduction(): boolean {
  return env('NODE_ENV') === 'production';
}

/** Token settings shared by the issuer (accounts) and every verifier. */
export const TOKEN_ISSUER = env('TOKEN_ISSUER') ?? 'tradegraph-accounts';
export const TOKEN_AUDIENCE = env('TOKEN_AUDIENCE') ?? 'tradegraph';

export function jwksUrl(): string {
  return env('JWKS_URL') ?? `http://127.0.0.1:${portOf('accounts')}${JWKS_PATH}`;
}

/** Folder for the embedded database and other local state when no DATABASE_URL is given. */
export function dataDir(): string {
  return env('DATA_DIR') ?? '.data';
}
