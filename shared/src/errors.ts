import { GraphQLError } from 'graphql';

import { ErrorCode } from './contracts/errors';

export { ErrorCode };

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
