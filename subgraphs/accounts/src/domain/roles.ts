import { badInput } from './errors';

/** Every role an account can hold; the same names as the Viewer's roles every verifier reads. */
export const ROLES = ['user', 'support', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Emails that become admins when their account is created, from their setting (ADMIN_EMAILS,
 * comma-separated). The only way to get the first admin without touching the database; later
 * admins are made with setUserRoles, which is audited.
 */
export function adminEmails(value: string | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The roles a new account starts with: `user`, plus `admin` for a bootstrap email. */
export function initialRoles(email: string | null | undefined, roles: string[], admins: ReadonlySet<string>): string[] {
  const result = new Set(roles.length ? roles : ['user']);
  if (email && admins.has(email.toLowerCase())) result.add('admin');
  return ROLES.filter((role) => result.has(role));
}

/**
 * Roles after an admin's change: known roles only, `user` always kept (every account is a
 * user), and an admin may not take their own admin role away — with no admin left nobody
 * could undo it.
 */
export function nextRoles(requested: string[], target: { id: string }, actor: { userId: string }): Role[] {
  const unknown = requested.filter((role) => !ROLES.includes(role as Role));
  if (unknown.length) throw badInput(`Unknown role(s): ${unknown.join(', ')}`, 'roles');
  const wanted = new Set<string>(['user', ...requested]);
  if (target.id === actor.userId && !wanted.has('admin')) {
    throw badInput('An admin cannot remove their own admin role', 'roles');
  }
  return ROLES.filter((role) => wanted.has(role));
}
