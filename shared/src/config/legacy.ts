import { config } from './index';

// Kept only while the subgraphs and the gateway move to config() (issue #19); removed with them.

/** @deprecated use `config().TOKEN_ISSUER` */
export const TOKEN_ISSUER = config().TOKEN_ISSUER;
/** @deprecated use `config().TOKEN_AUDIENCE` */
export const TOKEN_AUDIENCE = config().TOKEN_AUDIENCE;

/** @deprecated read the variable from `config()`, which validates it at start */
export function positiveIntEnv(name: string, fallback: number, source: NodeJS.ProcessEnv = process.env): number {
  const raw = source[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
}
