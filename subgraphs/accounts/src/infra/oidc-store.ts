import type { EntityManager } from '@tradegraph/shared';

/**
 * What OIDC sign-in keeps in Postgres (plain SQL; the tables are made by the migrations): the
 * started sign-ins between the redirect and the callback, and which issuer identity is which user.
 */
export async function savePendingSignIn(
  em: EntityManager,
  pending: { state: string; provider: string; codeVerifier: string; nonce: string; expiresAt: Date },
): Promise<void> {
  const connection = em.getConnection();
  await connection.execute(`delete from accounts.oidc_pending where expires_at < now() - interval '1 hour'`);
  await connection.execute(
    'insert into accounts.oidc_pending (state, provider, code_verifier, nonce, expires_at) values (?, ?, ?, ?, ?)',
    [pending.state, pending.provider, pending.codeVerifier, pending.nonce, pending.expiresAt],
  );
}

/** Spends a started sign-in (single use, whether or not its code then redeems); undefined when unknown, used or expired. */
export async function spendPendingSignIn(
  em: EntityManager,
  state: string,
  provider: string,
): Promise<{ codeVerifier: string; nonce: string } | undefined> {
  const [pending] = await em
    .getConnection()
    .execute<{ code_verifier: string; nonce: string }[]>(
      'update accounts.oidc_pending set used_at = now() where state = ? and provider = ? and used_at is null and expires_at > now() returning code_verifier, nonce',
      [state, provider],
    );
  return pending ? { codeVerifier: pending.code_verifier, nonce: pending.nonce } : undefined;
}

/** The user an issuer identity is linked to, if any. */
export async function linkedUserId(em: EntityManager, provider: string, subject: string): Promise<string | undefined> {
  const [row] = await em
    .getConnection()
    .execute<{ user_id: string }[]>('select user_id from accounts.oidc_identities where provider = ? and subject = ?', [provider, subject]);
  return row?.user_id;
}

/** Links the identity to `userId` unless it is linked already (then the first link stands). */
export async function linkIdentity(
  em: EntityManager,
  identity: { provider: string; subject: string; email: string | null },
  userId: string,
): Promise<void> {
  await em
    .getConnection()
    .execute(
      'insert into accounts.oidc_identities (provider, subject, user_id, email) values (?, ?, ?, ?) on conflict (provider, subject) do nothing',
      [identity.provider, identity.subject, userId, identity.email],
    );
}

/** How many issuer identities sign in to the user. */
export async function identityCount(em: EntityManager, userId: string): Promise<number> {
  const rows = await em
    .getConnection()
    .execute<{ n: string }[]>('select count(*) as n from accounts.oidc_identities where user_id = ?', [userId]);
  return Number(rows[0].n);
}
