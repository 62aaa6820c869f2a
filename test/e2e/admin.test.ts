import { randomUUID } from 'node:crypto';
import { gql, signUp, sql } from '../harness/client';
import { INTERNAL_HEADERS, subgraphUrl } from '../harness/env';
import { ROOT_ADMIN_EMAIL, login, rootAdmin, signUpAs, userWithRoles } from '../harness/roles';

const code = (result: { errors?: { extensions?: { code?: string } }[] }) => result.errors?.[0]?.extensions?.code;

const USERS = `query ($search: String, $role: Role, $first: Int, $after: String) {
  users(search: $search, role: $role, first: $first, after: $after) {
    edges { cursor node { id email roles } } pageInfo { hasNextPage endCursor }
  }
}`;
const SET_ROLES = 'mutation ($id: ID!, $roles: [Role!]!) { setUserRoles(userId: $id, roles: $roles) { id roles } }';
const AUDIT = `query ($actorId: ID, $action: String, $targetId: String, $first: Int, $after: String) {
  auditLog(actorId: $actorId, action: $action, targetId: $targetId, first: $first, after: $after) {
    edges { node { id at actorId action targetType targetId details requestId } } pageInfo { hasNextPage endCursor }
  }
}`;

describe('roles and the admin API', () => {
  it('makes the ADMIN_EMAILS address an admin at sign-up, and nobody else', async () => {
    const admin = await rootAdmin();
    const me = await gql('{ me { email roles } }', {}, { token: admin.token });
    expect(me.data.me).toEqual({ email: ROOT_ADMIN_EMAIL, roles: ['user', 'admin'] });
    const user = await signUp();
    expect((await gql('{ me { roles } }', {}, { token: user.token })).data.me.roles).toEqual(['user']);
  });

  it('refuses the admin API to users and anonymous callers', async () => {
    const user = await signUp();
    const other = await signUp();
    expect(code(await gql(USERS, {}, { token: user.token }))).toBe('FORBIDDEN');
    expect(code(await gql('query ($id: ID!) { user(id: $id) { id } }', { id: other.id }, { token: user.token }))).toBe('FORBIDDEN');
    expect(code(await gql(SET_ROLES, { id: user.id, roles: ['admin'] }, { token: user.token }))).toBe('FORBIDDEN');
    expect(code(await gql(AUDIT, {}, { token: user.token }))).toBe('FORBIDDEN');
    expect(code(await gql(USERS, {}))).toBe('UNAUTHENTICATED');
    expect(code(await gql(AUDIT, {}))).toBe('UNAUTHENTICATED');
    expect((await sql('select roles from accounts.users where id = $1', [user.id]))[0].roles).toEqual(['user']);
  });

  it('lets support list and search users but not change roles or read the audit log', async () => {
    const support = await userWithRoles(['support']);
    const tag = randomUUID().slice(0, 8);
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push(await signUpAs(`search-${tag}-${i}@example.com`));

    // Email prefix, case-insensitively, newest first, paged.
    const page1 = await gql(USERS, { search: `SEARCH-${tag}`, first: 2 }, { token: support.token });
    expect(page1.errors).toBeUndefined();
    expect(page1.data.users.edges.map((e: any) => e.node.email)).toEqual([`search-${tag}-2@example.com`, `search-${tag}-1@example.com`]);
    expect(page1.data.users.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(
      USERS,
      { search: `search-${tag}`, first: 2, after: page1.data.users.pageInfo.endCursor },
      { token: support.token },
    );
    expect(page2.data.users.edges.map((e: any) => e.node.email)).toEqual([`search-${tag}-0@example.com`]);
    expect(page2.data.users.pageInfo.hasNextPage).toBe(false);

    // LIKE wildcards in the search are literal characters.
    expect((await gql(USERS, { search: `search-${tag.slice(0, 4)}%` }, { token: support.token })).data.users.edges).toEqual([]);

    // By id.
    const byId = await gql(USERS, { search: created[1].id }, { token: support.token });
    expect(byId.data.users.edges.map((e: any) => e.node.id)).toEqual([created[1].id]);
    const one = await gql('query ($id: ID!) { user(id: $id) { id email roles } }', { id: created[0].id }, { token: support.token });
    expect(one.data.user).toEqual({ id: created[0].id, email: created[0].email, roles: ['user'] });

    // By role: the support user is among the supporters, the plain users are not.
    const supporters = await gql(USERS, { role: 'support', first: 200 }, { token: support.token });
    const ids = supporters.data.users.edges.map((e: any) => e.node.id);
    expect(ids).toContain(support.id);
    expect(ids).not.toContain(created[0].id);
    expect(supporters.data.users.edges.every((e: any) => e.node.roles.includes('support'))).toBe(true);

    expect(code(await gql(SET_ROLES, { id: created[0].id, roles: ['support'] }, { token: support.token }))).toBe('FORBIDDEN');
    expect(code(await gql(AUDIT, {}, { token: support.token }))).toBe('FORBIDDEN');
  });

  it('lets an admin change roles, effective at the next sign-in, and audits it with the request id', async () => {
    const admin = await userWithRoles(['admin'], 'admin');
    const target = await signUp();
    const reqId = `admin-${randomUUID()}`;
    const response = await fetch(process.env.E2E_GATEWAY_URL + '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}`, 'x-request-id': reqId },
      body: JSON.stringify({ query: SET_ROLES, variables: { id: target.id, roles: ['support'] } }),
    });
    const result = await response.json();
    expect(result.errors).toBeUndefined();
    expect(result.data.setUserRoles).toEqual({ id: target.id, roles: ['user', 'support'] });

    // The old token still says user; the next one carries support and opens the support API.
    expect(code(await gql(USERS, {}, { token: target.token }))).toBe('FORBIDDEN');
    const fresh = await login(target.email);
    expect((await gql(USERS, { search: target.id }, { token: fresh })).data.users.edges).toHaveLength(1);

    const audit = await gql(AUDIT, { targetId: target.id }, { token: admin.token });
    expect(audit.errors).toBeUndefined();
    const entries = audit.data.auditLog.edges.map((e: any) => e.node);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: admin.id,
      action: 'set_user_roles',
      targetType: 'User',
      targetId: target.id,
      requestId: reqId,
    });
    expect(JSON.parse(entries[0].details)).toEqual({ before: ['user'], after: ['user', 'support'] });
    expect(Date.now() - new Date(entries[0].at).getTime()).toBeGreaterThanOrEqual(0);

    // Filters: by actor and action; the unrelated filter finds nothing.
    const byActor = await gql(AUDIT, { actorId: admin.id, action: 'set_user_roles' }, { token: admin.token });
    expect(byActor.data.auditLog.edges.map((e: any) => e.node.targetId)).toEqual([target.id]);
    expect((await gql(AUDIT, { actorId: admin.id, action: 'review_kyc' }, { token: admin.token })).data.auditLog.edges).toEqual([]);
  });

  it('pages the audit log newest first', async () => {
    const admin = await userWithRoles(['admin'], 'admin');
    const target = await signUp();
    for (const roles of [['support'], ['user'], ['admin']]) {
      expect((await gql(SET_ROLES, { id: target.id, roles }, { token: admin.token })).errors).toBeUndefined();
    }
    const first = await gql(AUDIT, { actorId: admin.id, first: 2 }, { token: admin.token });
    const details = (r: any) => r.data.auditLog.edges.map((e: any) => JSON.parse(e.node.details).after);
    expect(details(first)).toEqual([['user', 'admin'], ['user']]);
    expect(first.data.auditLog.pageInfo.hasNextPage).toBe(true);
    const second = await gql(AUDIT, { actorId: admin.id, first: 2, after: first.data.auditLog.pageInfo.endCursor }, { token: admin.token });
    expect(details(second)).toEqual([['user', 'support']]);
  });

  it('refuses bad role changes without changing or auditing anything', async () => {
    const admin = await userWithRoles(['admin'], 'admin');
    const selfDemotion = await gql(SET_ROLES, { id: admin.id, roles: ['support'] }, { token: admin.token });
    expect(code(selfDemotion)).toBe('BAD_USER_INPUT');
    expect(code(await gql(SET_ROLES, { id: randomUUID(), roles: ['support'] }, { token: admin.token }))).toBe('NOT_FOUND');
    expect(code(await gql(SET_ROLES, { id: admin.id, roles: ['root'] }, { token: admin.token }))).toBe('BAD_USER_INPUT');
    expect((await sql('select roles from accounts.users where id = $1', [admin.id]))[0].roles).toEqual(['user', 'admin']);
    expect(await sql('select id from accounts.audit_log where actor_id = $1', [admin.id])).toEqual([]);
  });

  it('stops a demoted admin at once, though their token still says admin', async () => {
    const root = await rootAdmin();
    const demoted = await userWithRoles(['admin'], 'admin');
    const target = await signUp();
    expect((await gql(SET_ROLES, { id: demoted.id, roles: ['user'] }, { token: root.token })).errors).toBeUndefined();
    // The token was issued while the user was an admin; the database now says otherwise.
    expect(code(await gql(SET_ROLES, { id: target.id, roles: ['admin'] }, { token: demoted.token }))).toBe('FORBIDDEN');
    expect(code(await gql(USERS, {}, { token: demoted.token }))).toBe('FORBIDDEN');
    expect(code(await gql(AUDIT, {}, { token: demoted.token }))).toBe('FORBIDDEN');
    expect((await sql('select roles from accounts.users where id = $1', [target.id]))[0].roles).toEqual(['user']);
  });

  it('keeps the audit log append-only in Postgres', async () => {
    const admin = await rootAdmin();
    const target = await signUp();
    await gql(SET_ROLES, { id: target.id, roles: ['support'] }, { token: admin.token });
    const [entry] = await sql('select id, action from accounts.audit_log where target_id = $1', [target.id]);
    expect(entry.action).toBe('set_user_roles');
    await expect(sql("update accounts.audit_log set action = 'nothing' where id = $1", [entry.id])).rejects.toThrow(/append-only/);
    await expect(sql('delete from accounts.audit_log where id = $1', [entry.id])).rejects.toThrow(/append-only/);
    await expect(sql('truncate accounts.audit_log')).rejects.toThrow(/append-only/);
    expect(await sql('select action from accounts.audit_log where id = $1', [entry.id])).toEqual([{ action: 'set_user_roles' }]);
  });

  it("takes audit entries from other subgraphs only with an admin's own credentials", async () => {
    const post = (authorization?: string) =>
      fetch(`${subgraphUrl('accounts')}/internal/audit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...INTERNAL_HEADERS, ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ action: 'add_market', targetType: 'Market', targetId: `AUDIT-${randomUUID()}` }),
      });
    const user = await signUp();
    expect((await post()).status).toBe(401);
    expect((await post('Bearer not-a-token')).status).toBe(401);
    expect((await post(`Bearer ${user.token}`)).status).toBe(403);
    const admin = await rootAdmin();
    const recorded = await post(`Bearer ${admin.token}`);
    expect(recorded.status).toBe(201);
    const { id } = await recorded.json();
    expect(await sql('select actor_id, action from accounts.audit_log where id = $1', [id])).toEqual([
      { actor_id: admin.id, action: 'add_market' },
    ]);
  });
});
