import { DomainError } from '@tradegraph/shared/domain';

/**
 * The refusals of accounts' rules, as DomainErrors: the shared error formatter gives each to the
 * client with its code and details as extensions (docs/architecture.md, "Errors"). Messages and
 * defaults are the ones clients have always seen.
 */
export const unauthenticated = (message = 'Sign in to do this') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You may not see or change this', details: Record<string, unknown> = {}) =>
  new DomainError('FORBIDDEN', message, details);
export const badInput = (message: string, field?: string) => new DomainError('BAD_USER_INPUT', message, field ? { field } : {});
export const notFound = (message: string) => new DomainError('NOT_FOUND', message);
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new DomainError('RATE_LIMITED', message, { retryAfterSeconds });

/** The `extensions.code` a refusal carries, whether a DomainError or an error already shaped for GraphQL. */
export function refusalCodeOf(error: unknown): string | undefined {
  if (error instanceof DomainError) return error.code;
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}
