import { GraphQLError } from 'graphql';

/** The one list of `extensions.code` values clients can rely on (docs/architecture.md, "Errors"). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  RATE_LIMITED: 'RATE_LIMITED',
  CONFLICT: 'CONFLICT',
  /** A query over a size or cost limit (the gateway's query limits). */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** A per-user cap on stored objects (e.g. price alerts) is reached. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** A dependency could not be reached; the same request may work a moment later. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The service's own database (or Redis) is unreachable right now; nothing was changed; retry shortly. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function appError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const unauthenticated = (message = 'Sign in to do this') => appError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You may not see or change this') => appError(ErrorCode.FORBIDDEN, message);
export const badInput = (message: string, field?: string) => appError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
export const notFound = (message: string) => appError(ErrorCode.NOT_FOUND, message);
export const conflict = (message: string) => appError(ErrorCode.CONFLICT, message);
export const serviceUnavailable = (message = 'The service cannot reach its database at the moment; nothing was changed, try again shortly') =>
  appError(ErrorCode.SERVICE_UNAVAILABLE, message);
