import { invalidInput } from '@tradegraph/shared/domain';
import type { Strategy, StrategyDefinition, StrategyMarket } from './types';

/**
 * Validates raw parameters against a strategy's zod schema. A refusal is a BAD_USER_INPUT
 * DomainError whose `field` names the first offending parameter (dotted path), so the API edge
 * maps it as it maps every domain refusal (docs/architecture.md, "Errors").
 */
export function parseParams<P>(definition: StrategyDefinition<P>, raw: unknown): P {
  const result = definition.params.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String);
  // An unknown key is reported on the object that holds it: name the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys.length) path.push(issue.keys[0]);
  const field = path.length ? path.join('.') : 'params';
  throw invalidInput(`${definition.kind} parameter ${field}: ${issue.message}`, field);
}

/** parseParams then create: what a runner calls with user input. */
export function buildStrategy<P>(definition: StrategyDefinition<P>, raw: unknown, market: StrategyMarket): Strategy {
  return definition.create(parseParams(definition, raw), market);
}
