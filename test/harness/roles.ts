import { randomUUID } from 'node:crypto';
import { gql, type TestUser } from './client';

/** The test system's bootstrap admin (ADMIN_EMAILS in test/harness/system.js). */
export const ROOT_ADMIN_EMAIL = 'root-admin@tradegraph.test';
const PASSWORD = 'correct horse battery staple';

export async function login(email: string, password = PASSWORD): Promise<string> {
  const result = await gql(
    'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ... on AuthPayload { accessToken } } }',
    {
      email,
      password,
    },
  );
  if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return result.data.login.accessToken;
}

export async function signUpAs(email: string, extra: { referralCode?: string } = {}): Promise<TestUser> {
  const result = await gql(
    'mutation ($email: String!, $password: String!, $referralCode: String) { signUp(email: $email, password: $password, referralCode: $referralCode) { accessToken user { id } } }',
    { email, password: PASSWORD, ...extra },
  );
  if (!result.data) throw new Error(`signUp failed: ${JSON.stringify(result.errors)}`);
  return { id: result.data.signUp.user.id, email, token: result.data.signUp.accessToken };
}

/**
 * The bootstrap admin: signs up the first time (test files run in parallel, so whoever comes
 * second finds the account and logs in).
 */
export async function rootAdmin(): Promise<TestUser> {
  const result = await gql(
    'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken user { id } } }',
    { email: ROOT_ADMIN_EMAIL, password: PASSWORD },
  );
  if (result.data) return { id: result.data.signUp.user.id, email: ROOT_ADMIN_EMAIL, token: result.data.signUp.accessToken };
  if (result.errors?.[0]?.extensions?.code !== 'CONFLICT') throw new Error(`root admin: ${JSON.stringify(result.errors)}`);
  const token = await login(ROOT_ADMIN_EMAIL);
  const me = await gql('{ me { id } }', {}, { token });
  return { id: me.data.me.id, email: ROOT_ADMIN_EMAIL, token };
}

/** A new user the root admin gave `roles` (through setUserRoles), signed in again so the token carries them. */
export async function userWithRoles(roles: string[], emailPrefix = 'staff'): Promise<TestUser> {
  const user = await signUpAs(`${emailPrefix}-${randomUUID()}@example.com`);
  const admin = await rootAdmin();
  const result = await gql(
    'mutation ($id: ID!, $roles: [Role!]!) { setUserRoles(userId: $id, roles: $roles) { roles } }',
    { id: user.id, roles },
    {
      token: admin.token,
    },
  );
  if (!result.data) throw new Error(`setUserRoles failed: ${JSON.stringify(result.errors)}`);
  return { ...user, token: await login(user.email) };
}
