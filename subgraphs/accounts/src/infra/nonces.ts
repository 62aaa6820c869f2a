import type { EntityManager } from '@tradegraph/shared';
import { newNonce, type NoncePurpose } from '../domain/siwe';

/**
 * Nonces of Sign-In with Ethereum and wallet linking, kept in Postgres: they expire after a few
 * minutes and are consumed with one conditional UPDATE, so a signed message can be used once
 * even when two requests race with it.
 */
export async function issueNonce(
  em: EntityManager,
  purpose: NoncePurpose,
  ttlSeconds: number,
  extra: { userId?: string; address?: string; message?: (nonce: string, issuedAt: Date, expiresAt: Date) => string } = {},
): Promise<{ nonce: string; issuedAt: Date; expiresAt: Date; message: string | null }> {
  const nonce = newNonce();
  const issuedAt = new Date();
  const expiresAt = new Date(issuedAt.getTime() + ttlSeconds * 1000);
  const message = extra.message ? extra.message(nonce, issuedAt, expiresAt) : null;
  const connection = em.getConnection();
  // Expired nonces are useless; sweeping a few on each issue keeps the table small without a job.
  await connection.execute(
    `delete from accounts.wallet_nonces where nonce in (select nonce from accounts.wallet_nonces where expires_at < now() - interval '1 hour' limit 100)`,
  );
  await connection.execute(
    'insert into accounts.wallet_nonces (nonce, purpose, user_id, address, message, expires_at, created_at) values (?, ?, ?, ?, ?, ?, ?)',
    [nonce, purpose, extra.userId ?? null, extra.address ?? null, message, expiresAt, issuedAt],
  );
  return { nonce, issuedAt, expiresAt, message };
}

/**
 * Marks the nonce used if it is ours, for this purpose, unused and unexpired — all in one
 * statement, so of two racing requests exactly one wins.
 */
export async function consumeNonce(
  em: EntityManager,
  nonce: string,
  purpose: NoncePurpose,
  match: { userId?: string; address?: string; message?: string } = {},
): Promise<boolean> {
  const conditions = ['nonce = ?', 'purpose = ?', 'used_at is null', 'expires_at > now()'];
  const params: unknown[] = [nonce, purpose];
  for (const [column, value] of [
    ['user_id', match.userId],
    ['address', match.address],
    ['message', match.message],
  ] as const) {
    if (value === undefined) continue;
    conditions.push(`${column} = ?`);
    params.push(value);
  }
  const rows = await em
    .getConnection()
    .execute<{ nonce: string }[]>(
      `update accounts.wallet_nonces set used_at = now() where ${conditions.join(' and ')} returning nonce`,
      params,
    );
  return rows.length === 1;
}
