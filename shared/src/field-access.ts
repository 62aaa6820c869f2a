import { Extensions, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { requireScope, requireViewer } from './auth';
import { forbidden } from './errors';

/**
 * Who may resolve a field, declared on the field itself (`@Access('read')` beside `@Query`,
 * `@FieldResolver` or `@Field`), checked before its resolver runs:
 * - `public`: anyone, signed in or not (market data, sign-in);
 * - `read`, `trade`, `withdraw`: a signed-in caller whose credentials hold that scope. A user's
 *   own session holds every scope; an API key only those it was made with. `read` is what
 *   reading any user data takes (the caller's own or, for staff, anyone's);
 * - `session`: a person's own session, never an API key, whatever its scopes (account security,
 *   admin actions).
 * Ownership (whose data it is) stays with the resolver; this is about what the credentials may do.
 *
 * Every field of the root types and of `User` must declare its access: `assertAccessDeclared`
 * refuses a schema where one does not, so a new user-data field cannot ship unguarded.
 */
export type FieldAccess = 'public' | 'read' | 'trade' | 'withdraw' | 'session';

/** The extension name type-graphql keeps the declaration under (field.extensions.access). */
export const ACCESS_EXTENSION = 'access';

const needsScope =
  (scope: 'read' | 'trade' | 'withdraw'): MiddlewareFn<{ viewer: Parameters<typeof requireScope>[0] }> =>
  ({ context }, next) => {
    requireScope(context.viewer, scope);
    return next();
  };

const needsSession: MiddlewareFn<{ viewer: Parameters<typeof requireViewer>[0] }> = ({ context }, next) => {
  const viewer = requireViewer(context.viewer);
  if (viewer.apiKeyId) throw forbidden('API keys cannot do this; sign in as the user');
  return next();
};

const GUARDS: Record<FieldAccess, MiddlewareFn<any> | null> = {
  public: null,
  read: needsScope('read'),
  trade: needsScope('trade'),
  withdraw: needsScope('withdraw'),
  session: needsSession,
};

/** Declares and enforces who may resolve this field (see FieldAccess). */
export function Access(access: FieldAccess): MethodDecorator & PropertyDecorator {
  return ((target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    (Extensions({ [ACCESS_EXTENSION]: access }) as (t: object, k: string | symbol, d?: PropertyDescriptor) => void)(target, key, descriptor);
    const guard = GUARDS[access];
    if (guard) (UseMiddleware(guard) as (t: object, k: string | symbol, d?: PropertyDescriptor) => void)(target, key, descriptor);
  }) as MethodDecorator & PropertyDecorator;
}

/** Types every field of which must declare its access: the roots, and the user's own record. */
export const ACCESS_DECLARED_TYPES = ['Query', 'Mutation', 'Subscription', 'User'];

/** The declared access of every field of ACCESS_DECLARED_TYPES ("Type.field" → access; undefined when missing). */
export function declaredAccess(schema: GraphQLSchema): Map<string, FieldAccess | undefined> {
  const declared = new Map<string, FieldAccess | undefined>();
  for (const typeName of ACCESS_DECLARED_TYPES) {
    const type = schema.getType(typeName);
    if (!type || !('getFields' in type)) continue;
    for (const field of Object.values(type.getFields())) {
      // The key: whoever holds a reference to a user already has it. (Federation's own
      // `_entities` and `_service` are added later, to the subgraph schema, and are internal.)
      if (typeName === 'User' && field.name === 'id') continue;
      declared.set(`${typeName}.${field.name}`, field.extensions?.[ACCESS_EXTENSION] as FieldAccess | undefined);
    }
  }
  return declared;
}

/** Throws, naming them, when fields of ACCESS_DECLARED_TYPES declare no access. */
export function assertAccessDeclared(schema: GraphQLSchema, subgraph: string): void {
  const missing = [...declaredAccess(schema)].filter(([, access]) => access === undefined).map(([field]) => field);
  if (missing.length > 0) {
    throw new Error(`${subgraph}: these fields declare no @Access (public, read, trade, withdraw or session): ${missing.join(', ')}`);
  }
}
