import { randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { gql, signUp, sql, wsClient } from '../harness/client';
import { GATEWAY_URL, subgraphUrl } from '../harness/env';

// Access tokens: every malformed kind is refused (UNAUTHENTICATED, nothing changes) at the
// gateway over HTTP and in graphql-ws connection_init, and again at a subgraph; signing keys
// rotate without breaking tokens signed before the rotation.
const ISSUER = 'tradegraph-accounts';
const AUDIENCE = 'tradegraph';
const ACCOUNTS = `${subgraphUrl('accounts')}/graphql`;
const PASSWORD = 'correct horse battery staple';

async function activeKey(): Promise<{ kid: string; privateJwk: JWK; publicJwk: JWK }> {
  const [row] = await sql(
    'select kid, private_jwk, public_jwk from accounts.signing_keys where retired_at is null order by created_at desc limit 1',
  );
  return { kid: row.kid, privateJwk: row.private_jwk, publicJwk: row.public_jwk };
}

async function mint(claims: Record<string, unknown>, options: { issuer?: string; audience?: string; exp?: number; iat?: number } = {}) {
  const key = await activeKey();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['user'], ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(options.iat ?? now)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(await importJWK(key.privateJwk, 'ES256'));
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const part = (token: string, i: number) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString('utf8'));

/** Every kind of bad token, each claiming to be `victim`. */
async function badTokens(victim: { id: string; token: string }): Promise<Record<string, string>> {
  const [header, , signature] = victim.token.split('.');
  const payload = part(victim.token, 1);
  const now = Math.floor(Date.now() / 1000);
  const key = await activeKey();
  const { privateKey: strangerKey } = await generateKeyPair('ES256');
  const publicPem = await exportSPKI((await importJWK(key.publicJwk, 'ES256')) as never);
  const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
  return {
    expired: await mint({ sub: victim.id }, { iat: now - 3600, exp: now - 1800 }),
    'tampered payload': `${header}.${b64({ ...payload, roles: ['admin'] })}.${signature}`,
    'tampered signature': `${header}.${victim.token.split('.')[1]}.${flipped}`,
    'wrong issuer': await mint({ sub: victim.id }, { issuer: 'https://evil.example' }),
    'wrong audience': await mint({ sub: victim.id }, { audience: 'someone-else' }),
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...payload })}.`,
    'alg none with kid': `${b64({ alg: 'none', kid: key.kid })}.${b64({ ...payload })}.`,
    'HS256 with the public key as secret': await new SignJWT({ ...payload })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(new TextEncoder().encode(publicPem)),
    'unknown kid': await new SignJWT({ ...payload }).setProtectedHeader({ alg: 'ES256', kid: randomUUID() }).sign(strangerKey),
    'unknown key, known kid': await new SignJWT({ ...payload }).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(strangerKey),
    garbage: 'garbage',
    'three garbage parts': 'a.b.c',
  };
}

/** A mutation that would change the victim's account if the token were believed. */
const REVOKE = 'mutation ($id: ID!) { revokeSession(id: $id) { id } }';

describe('access tokens', () => {
  let victim: { id: string; token: string; sessionId: string };
  let tokens: Record<string, string>;

  beforeAll(async () => {
    const email = `victim-${randomUUID()}@example.com`;
    const result = await gql(
      'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { accessToken sessionId user { id } } }',
      {
        email,
        password: PASSWORD,
      },
    );
    victim = { id: result.data.signUp.user.id, token: result.data.signUp.accessToken, sessionId: result.data.signUp.sessionId };
    tokens = await badTokens(victim);
  });

  it('the good token works at the gateway and at the subgraph (the control)', async () => {
    expect((await gql('{ me { id } }', {}, { token: victim.token })).data.me.id).toBe(victim.id);
    expect((await gql('{ me { id } }', {}, { token: victim.token, url: ACCOUNTS })).data.me.id).toBe(victim.id);
  });

  it('refuses each bad token at the gateway over HTTP with UNAUTHENTICATED, and changes nothing', async () => {
    for (const [kind, token] of Object.entries(tokens)) {
      const result = await gql(REVOKE, { id: victim.sessionId }, { token });
      expect({ kind, code: result.errors?.[0].extensions?.code, data: result.data ?? null }).toEqual({
        kind,
        code: 'UNAUTHENTICATED',
        data: null,
      });
    }
    const [session] = await sql('select revoked_at from accounts.sessions where id = $1', [victim.sessionId]);
    expect(session.revoked_at).toBeNull();
  });

  it('refuses each bad token at the subgraph itself (no trust by network position)', async () => {
    for (const [kind, token] of Object.entries(tokens)) {
      const result = await gql(REVOKE, { id: victim.sessionId }, { token, url: ACCOUNTS });
      expect({ kind, code: result.errors?.[0].extensions?.code }).toEqual({ kind, code: 'UNAUTHENTICATED' });
    }
    const [session] = await sql('select revoked_at from accounts.sessions where id = $1', [victim.sessionId]);
    expect(session.revoked_at).toBeNull();
  });

  it('refuses each bad token in graphql-ws connection_init, at the gateway and at the subgraph', async () => {
    const closeCode = async (token: string, url: string): Promise<number | string> => {
      const client = wsClient(token, url);
      try {
        return await new Promise<number | string>((resolve) => {
          client.subscribe(
            { query: '{ me { id } }' },
            {
              next: () => resolve('accepted'),
              error: (error: any) => resolve(typeof error?.code === 'number' ? error.code : String(error)),
              complete: () => resolve('completed'),
            },
          );
        });
      } finally {
        await client.dispose();
      }
    };
    const gatewayWs = `${GATEWAY_URL.replace(/^http/, 'ws')}/graphql`;
    const subgraphWs = ACCOUNTS.replace(/^http/, 'ws');
    expect(await closeCode(victim.token, gatewayWs)).toBe('accepted');
    for (const [kind, token] of Object.entries(tokens)) {
      expect({ kind, at: 'gateway', code: await closeCode(token, gatewayWs) }).toEqual({ kind, at: 'gateway', code: 4403 });
      expect({ kind, at: 'subgraph', code: await closeCode(token, subgraphWs) }).toEqual({ kind, at: 'subgraph', code: 4403 });
    }
  });

  it('refuses an authorization that is not a bearer token', async () => {
    const response = await fetch(`${GATEWAY_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('signing key rotation', () => {
  async function admin() {
    const email = `key-admin-${randomUUID()}@example.com`;
    const created = await gql(
      'mutation ($email: String!, $password: String!) { signUp(email: $email, password: $password) { user { id } } }',
      { email, password: PASSWORD },
    );
    await sql("update accounts.users set roles = '{admin}' where id = $1", [created.data.signUp.user.id]);
    const login = await gql(
      'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ... on AuthPayload { accessToken } } }',
      {
        email,
        password: PASSWORD,
      },
    );
    return login.data.login.accessToken as string;
  }

  it('only an admin may rotate', async () => {
    const user = await signUp();
    const result = await gql('mutation { rotateSigningKey { kid } }', {}, { token: user.token });
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql('mutation { rotateSigningKey { kid } }')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('tokens signed before and after a rotation both work at the gateway and at a subgraph; the JWKS keeps the retired key', async () => {
    const before = await signUp();
    const oldKid = decodeProtectedHeader(before.token).kid;
    // Verifiers have seen the old key already (cached).
    expect((await gql('{ me { id } }', {}, { token: before.token })).data.me.id).toBe(before.id);
    expect((await gql('{ me { id } }', {}, { token: before.token, url: ACCOUNTS })).data.me.id).toBe(before.id);

    const rotated = await gql('mutation { rotateSigningKey { kid createdAt } }', {}, { token: await admin() });
    expect(rotated.errors).toBeUndefined();
    const newKid = rotated.data.rotateSigningKey.kid;
    expect(newKid).not.toBe(oldKid);

    const after = await signUp();
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid);
    for (const user of [before, after]) {
      expect((await gql('{ me { id } }', {}, { token: user.token })).data.me.id).toBe(user.id);
      expect((await gql('{ me { id } }', {}, { token: user.token, url: ACCOUNTS })).data.me.id).toBe(user.id);
      // A subgraph other than the issuer learns the new key from the JWKS too.
      const balances = await gql('{ myBalances { asset } }', {}, { token: user.token, url: `${subgraphUrl('matching')}/graphql` });
      expect(balances.errors).toBeUndefined();
      expect(balances.data.myBalances).toEqual([]);
    }
    const jwks = (await (await fetch(`${subgraphUrl('accounts')}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids).toContain(oldKid);
    expect(kids).toContain(newKid);
    for (const key of jwks.keys) expect(key.d).toBeUndefined(); // public halves only
    // The rotation is in the audit log.
    const audit = await sql("select actor_id from accounts.audit_log where action = 'rotate_signing_key' and target_id = $1", [newKid]);
    expect(audit).toHaveLength(1);
  });
});
