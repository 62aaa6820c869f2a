import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { gql, signUp, sql } from '../harness/client';
import { DATABASE_URL, E2E_DATABASE } from '../harness/env';
import { rootAdmin, signUpAs, userWithRoles } from '../harness/roles';

const { freshDatabase, withDatabase } = require('../harness/system');
const { migrations } = require('../../subgraphs/accounts/dist/infra/migrations');

const code = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;
const REFERRALS = `query ($id: ID!, $first: Int, $after: String) {
  user(id: $id) { referralCode referrals(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }
}`;

describe('referrals', () => {
  it('gives every user a code and the configured revenue share', async () => {
    const user = await signUp();
    const me = await gql('{ me { referralCode referralRevenueShare referrals { edges { node { id } } } } }', {}, { token: user.token });
    expect(me.errors).toBeUndefined();
    expect(me.data.me.referralCode).toMatch(/^[0-9A-Z]{8}$/);
    // 10% unless REFERRAL_REVENUE_SHARE says otherwise (Decimal prints canonically: 0.10 → "0.1").
    expect(me.data.me.referralRevenueShare).toBe('0.1');
    expect(me.data.me.referrals.edges).toEqual([]);
    const [row] = await sql('select referral_code from accounts.users where id = $1', [user.id]);
    expect(row.referral_code).toBe(me.data.me.referralCode);
    // Every account has one (including rows the migration backfilled).
    expect(await sql('select id from accounts.users where referral_code is null')).toEqual([]);
  });

  it('records the referrer of a sign-up with a code, and lists referrals newest first', async () => {
    const referrer = await signUp();
    const referralCode = (await gql('{ me { referralCode } }', {}, { token: referrer.token })).data.me.referralCode;
    // Codes match case-insensitively and ignoring dashes.
    const first = await signUpAs(`ref-${randomUUID()}@example.com`, {
      referralCode: `${referralCode.slice(0, 4).toLowerCase()}-${referralCode.slice(4)}`,
    });
    const second = await signUpAs(`ref-${randomUUID()}@example.com`, { referralCode });
    expect(await sql('select referred_by from accounts.users where id = any($1) order by created_at', [[first.id, second.id]])).toEqual([
      { referred_by: referrer.id },
      { referred_by: referrer.id },
    ]);

    const page = await gql(
      '{ me { referrals(first: 1) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }',
      {},
      { token: referrer.token },
    );
    expect(page.data.me.referrals.edges.map((e: any) => e.node.id)).toEqual([second.id]);
    expect(page.data.me.referrals.pageInfo.hasNextPage).toBe(true);
    const next = await gql(
      'query ($after: String) { me { referrals(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage } } } }',
      { after: page.data.me.referrals.pageInfo.endCursor },
      { token: referrer.token },
    );
    expect(next.data.me.referrals.edges.map((e: any) => e.node.id)).toEqual([first.id]);
    expect(next.data.me.referrals.pageInfo.hasNextPage).toBe(false);
    // The referred user referred nobody.
    expect((await gql('{ me { referrals { edges { node { id } } } } }', {}, { token: first.token })).data.me.referrals.edges).toEqual([]);
  });

  it('refuses an unknown code and creates no account', async () => {
    const email = `unknown-code-${randomUUID()}@example.com`;
    for (const referralCode of ['ZZZZZZZZ', 'not a code!']) {
      const result = await gql(
        'mutation ($email: String!, $code: String) { signUp(email: $email, password: "correct horse battery staple", referralCode: $code) { accessToken } }',
        { email, code: referralCode },
      );
      expect(code(result)).toBe('BAD_USER_INPUT');
    }
    expect(await sql('select id from accounts.users where email = $1', [email])).toEqual([]);
  });

  it('shows referrals to the owner and admins only; support sees the code', async () => {
    const referrer = await signUp();
    const referralCode = (await gql('{ me { referralCode } }', {}, { token: referrer.token })).data.me.referralCode;
    const referred = await signUpAs(`ref-${randomUUID()}@example.com`, { referralCode });
    const other = await signUp();
    const support = await userWithRoles(['support']);
    const admin = await rootAdmin();

    expect(code(await gql(REFERRALS, { id: referrer.id }, { token: other.token }))).toBe('FORBIDDEN');
    const bySupport = await gql(REFERRALS, { id: referrer.id }, { token: support.token });
    expect(code(bySupport)).toBe('FORBIDDEN');
    expect(bySupport.errors?.map((e: any) => e.path?.join('.'))).toEqual(['user.referrals']);
    const supportCode = await gql('query ($id: ID!) { user(id: $id) { referralCode } }', { id: referrer.id }, { token: support.token });
    expect(supportCode.data.user.referralCode).toBe(referralCode);
    const byAdmin = await gql(REFERRALS, { id: referrer.id }, { token: admin.token });
    expect(byAdmin.errors).toBeUndefined();
    expect(byAdmin.data.user.referrals.edges.map((e: any) => e.node.id)).toEqual([referred.id]);
  });

  it('backfills a code for every user that existed before the migration', async () => {
    const database = `${E2E_DATABASE}_refbackfill`;
    await freshDatabase(DATABASE_URL, database);
    const client = new Client({ connectionString: withDatabase(DATABASE_URL, database) });
    await client.connect();
    try {
      // The accounts migrations in order, with users inserted just before the referral one.
      const referralMigration = migrations.findIndex((m: any) => /referral_code/.test(String(queriesOf(m).join('\n'))));
      expect(referralMigration).toBeGreaterThan(0);
      for (const [index, migration] of migrations.entries()) {
        if (index === referralMigration) {
          await client.query(
            `insert into accounts.users (id, email, password_hash, roles) select gen_random_uuid(), 'old-' || n || '@example.com', 'x', '{user}' from generate_series(1, 50) n`,
          );
        }
        for (const query of queriesOf(migration)) await client.query(query);
      }
      const rows = (await client.query('select referral_code from accounts.users')).rows;
      expect(rows).toHaveLength(50);
      expect(rows.every((r) => /^[0-9A-Z]{8,16}$/.test(r.referral_code))).toBe(true);
      expect(new Set(rows.map((r) => r.referral_code)).size).toBe(50);
    } finally {
      await client.end();
      const admin = new Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`drop database if exists "${database}" with (force)`);
      await admin.end();
    }
  });
});

/** The SQL a checked-in migration runs (its `up` only collects statements). */
function queriesOf(MigrationClass: any): string[] {
  const migration = new MigrationClass(undefined, undefined);
  migration.up();
  return migration.getQueries().map(String);
}
