import { forbidden, requireRole, type Role, type Viewer } from '@tradegraph/shared';
import type { Context } from './context';

/**
 * requireRole, checked against the roles in the database as well as the token: an access
 * token keeps the roles it was issued with for its lifetime, so without this a demoted admin
 * could go on administering until the token expired. Accounts holds the roles, so here the
 * check costs one batched lookup.
 */
export async function requireCurrentRole(ctx: Context, ...roles: Role[]): Promise<Viewer> {
  const viewer = requireRole(ctx.viewer, ...roles);
  const current = (await ctx.loaders.userById.load(viewer.userId))?.roles ?? [];
  if (!current.includes('admin') && !roles.some((role) => current.includes(role)))
    throw forbidden(`This needs the ${roles.join(' or ')} role`);
  return viewer;
}
