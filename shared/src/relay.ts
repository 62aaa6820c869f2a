import { Directive, Field, ObjectType } from 'type-graphql';
import type { ClassType } from 'type-graphql';
import { badInput } from './errors';

/** Relay cursor connections: every list in the graph pages the same way. */
@ObjectType({ description: 'Where a page sits in its list' })
@Directive('@shareable')
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** Builds `<Name>Connection` and `<Name>Edge` object types for an item type. */
export function ConnectionType<T extends object>(itemType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeClass {
    @Field() cursor!: string;
    @Field(() => itemType) node!: T;
  }
  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeClass]) edges!: EdgeClass[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

export const MAX_PAGE_SIZE = 200;

export function pageSize(first: number | undefined | null, fallback = 50): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return size;
}

/** Cursors are opaque to clients; inside they are the sort key of the row. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}
export function decodeCursor(cursor: string | undefined | null): string | undefined {
  if (!cursor) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!key) throw badInput('after is not a cursor from this list', 'after');
  return key;
}

/**
 * Turns `size + 1` rows fetched after a cursor into a page: the extra row only says whether
 * there is a next page.
 */
export function toConnection<T>(rows: T[], size: number, cursorOf: (row: T) => string, hadCursor: boolean): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/**
 * Newest-first keyset paging over (createdAt, key): the filter for the rows after a cursor
 * made by `newestFirstCursor`. Stable under inserts, unlike offsets.
 */
export function newestFirstAfter(cursor: string | undefined, keyField: string): Record<string, unknown> {
  if (!cursor) return {};
  const [at, key] = cursor.split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !key) throw badInput('after is not a cursor from this list', 'after');
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, [keyField]: { $lt: key } }] };
}

export function newestFirstCursor(createdAt: Date | string, key: string | number): string {
  return `${new Date(createdAt).toISOString()}|${key}`;
}
