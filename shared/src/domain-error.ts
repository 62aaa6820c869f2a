import type { ErrorCode } from './contracts/errors';

/**
 * A refusal decided by domain logic: a rule of the exchange, not a fault. Domain and application
 * code throw these (they know nothing of GraphQL); the API edge turns them into GraphQL errors
 * with the same code, once, in the error formatter every server shares (error-format.ts).
 * `details` become extensions beside the code (e.g. `field`, `retryAfterSeconds`).
 *
 * `extensions` is what graphql-js copies onto the GraphQL error it wraps a thrown error in, so
 * the code also survives where no formatter runs (a subscription refused at set-up over
 * graphql-ws).
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get extensions(): Record<string, unknown> {
    return { ...this.details, code: this.code };
  }
}

export const invalidInput = (message: string, field?: string) => new DomainError('BAD_USER_INPUT', message, field ? { field } : {});

/** The DomainError behind `error` (GraphQL wraps what a resolver throws as `originalError`). */
export function domainErrorOf(error: unknown): DomainError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current; depth += 1) {
    if (current instanceof DomainError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}
