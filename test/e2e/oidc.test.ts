import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { gql } from '../harness/client';
import { ownSystem, startOwnSystem } from '../harness/env';

const { startSystem, ROOT } = require('../harness/system');

// OIDC sign-in against a real issuer (oidc-provider, its own process) that this test starts:
// discovery, signed ID tokens, PKCE and the code flow are real; the test plays the browser.
const { portBase: PORT_BASE, database: DATABASE } = ownSystem(60, 'oidc');
const GATEWAY = `http://127.0.0.1:${PORT_BASE}/graphql`;
/** Set once the issuer listens (it takes any free port and prints its URL). */
let ISSUER = '';
const REDIRECT_URI = `http://127.0.0.1:${PORT_BASE}/oidc/callback`;
const CLIENT = { id: 'tradegraph-test', secret: `secret-${randomUUID()}` };

const suffix = randomUUID().slice(0, 8);
const ACCOUNTS = {
  alice: { password: 'alice-pw', email: `alice-${suffix}@example.com`, email_verified: true },
  // Claims Bob's address at this issuer without having proved it.
  mallory: { password: 'mallory-pw', email: `bob-${suffix}@example.com`, email_verified: false },
  carol: { password: 'carol-pw', email: `carol-${suffix}@example.com`, email_verified: true },
};

const START = 'mutation ($p: String!) { startOidcSignIn(provider: $p) { authorizationUrl state expiresAt } }';
const COMPLETE =
  'mutation ($p: String!, $u: String!) { completeOidcSignIn(provider: $p, callbackUrl: $u) { ... on AuthPayload { accessToken user { id email } } } }';

/** The `ISSUER <url>` line the issuer prints once it listens. */
function issuerUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^ISSUER (\S+)$/m.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`issuer exited with ${code} (see .data/oidc-issuer-${PORT_BASE}.log)`)));
  });
}

/** What a browser does at the issuer: follow redirects with cookies, submit the login form. */
async function loginAtIssuer(authorizationUrl: string, login: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    return response;
  };
  let response = await go(authorizationUrl);
  for (let hops = 0; hops < 10; hops++) {
    const location = response.headers.get('location');
    if (!location) throw new Error(`issuer answered ${response.status}: ${await response.text()}`);
    const next = new URL(location, ISSUER).href;
    if (next.startsWith(REDIRECT_URI)) return next;
    if (new URL(next).pathname.startsWith('/interaction/')) {
      const page = (await (await go(next)).json()) as { prompt: string };
      expect(page.prompt).toBe('login');
      response = await go(`${next}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login, password }).toString(),
      });
    } else {
      response = await go(next);
    }
  }
  throw new Error('too many redirects at the issuer');
}

async function start(): Promise<{ authorizationUrl: string; state: string }> {
  const result = await gql(START, { p: 'local' }, { url: GATEWAY });
  expect(result.errors).toBeUndefined();
  return result.data.startOidcSignIn;
}

async function signInAs(login: keyof typeof ACCOUNTS) {
  const { authorizationUrl } = await start();
  const callbackUrl = await loginAtIssuer(authorizationUrl, login, ACCOUNTS[login].password);
  return { callbackUrl, result: await gql(COMPLETE, { p: 'local', u: callbackUrl }, { url: GATEWAY }) };
}

async function passwordUser(email: string): Promise<string> {
  const result = await gql(
    'mutation ($e: String!, $p: String!) { signUp(email: $e, password: $p) { user { id } } }',
    { e: email, p: 'correct horse battery staple' },
    { url: GATEWAY },
  );
  expect(result.errors).toBeUndefined();
  return result.data.signUp.user.id;
}

describe('OIDC sign-in (authorization code + PKCE) against a local issuer', () => {
  let issuer: ChildProcess | undefined;
  let system: any;

  beforeAll(async () => {
    const logDir = path.join(ROOT, '.data', `e2e-logs-${PORT_BASE}`);
    // Beside the system's log folder, which startSystem empties.
    mkdirSync(path.join(ROOT, '.data'), { recursive: true });
    issuer = spawn(process.execPath, [path.join(ROOT, 'test/harness/oidc-issuer.mjs')], {
      env: {
        ...process.env,
        OIDC_CLIENT_ID: CLIENT.id,
        OIDC_CLIENT_SECRET: CLIENT.secret,
        OIDC_REDIRECT_URI: REDIRECT_URI,
        OIDC_ACCOUNTS: JSON.stringify(ACCOUNTS),
      },
      stdio: ['ignore', 'pipe', openSync(path.join(ROOT, '.data', `oidc-issuer-${PORT_BASE}.log`), 'w')],
    });
    ISSUER = await issuerUrl(issuer);
    system = await startOwnSystem(PORT_BASE, DATABASE, {
      logDir,
      services: ['accounts'],
      env: {
        OIDC_PROVIDERS: JSON.stringify([
          {
            name: 'local',
            issuer: ISSUER,
            clientId: CLIENT.id,
            clientSecret: CLIENT.secret,
            redirectUri: REDIRECT_URI,
            allowInsecureHttp: true,
          },
        ]),
      },
    });
  }, 90000);

  afterAll(async () => {
    await system?.stop();
    issuer?.kill('SIGTERM');
  });

  it('lists the configured providers and sends the user to the issuer with PKCE (S256), state and nonce', async () => {
    expect((await gql('{ oidcProviders }', {}, { url: GATEWAY })).data.oidcProviders).toEqual(['local']);
    const { authorizationUrl, state } = await start();
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(ISSUER);
    expect(url.searchParams.get('client_id')).toBe(CLIENT.id);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBe(state);
    expect(url.searchParams.get('nonce')).toBeTruthy();
    // The verifier never leaves the server.
    expect(authorizationUrl).not.toContain('code_verifier');
  });

  it('links to the existing account with the same verified email, and signs in there again', async () => {
    const aliceId = await passwordUser(ACCOUNTS.alice.email);
    const first = await signInAs('alice');
    expect(first.result.errors).toBeUndefined();
    expect(first.result.data.completeOidcSignIn.user).toEqual({ id: aliceId, email: ACCOUNTS.alice.email });
    const token = first.result.data.completeOidcSignIn.accessToken;
    expect((await gql('{ me { id } }', {}, { token, url: GATEWAY })).data.me.id).toBe(aliceId);

    const again = await signInAs('alice');
    expect(again.result.data.completeOidcSignIn.user.id).toBe(aliceId);
  });

  it('never links by an unverified email: that sign-in gets an account of its own', async () => {
    const bobId = await passwordUser(ACCOUNTS.mallory.email);
    const { result } = await signInAs('mallory');
    expect(result.errors).toBeUndefined();
    const user = result.data.completeOidcSignIn.user;
    expect(user.id).not.toBe(bobId);
    expect(user.email).toBeNull();
    // Bob's password account is untouched and still his.
    const login = await gql(
      'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }',
      {
        e: ACCOUNTS.mallory.email,
        p: 'correct horse battery staple',
      },
      { url: GATEWAY },
    );
    expect(login.errors).toBeUndefined();
  });

  it('creates an account for a new person with their verified email', async () => {
    const { result } = await signInAs('carol');
    expect(result.errors).toBeUndefined();
    expect(result.data.completeOidcSignIn.user.email).toBe(ACCOUNTS.carol.email);
  });

  it('refuses a replayed callback, an unknown state and an unknown provider', async () => {
    const { callbackUrl, result } = await signInAs('carol');
    expect(result.errors).toBeUndefined();
    const replay = await gql(COMPLETE, { p: 'local', u: callbackUrl }, { url: GATEWAY });
    expect(replay.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'not-a-state-we-issued');
    expect((await gql(COMPLETE, { p: 'local', u: forged.href }, { url: GATEWAY })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await gql(START, { p: 'nowhere' }, { url: GATEWAY })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('binds the code to its own PKCE verifier: a code redeemed under another sign-in’s state is refused', async () => {
    const stolen = await start();
    const victim = await loginAtIssuer(stolen.authorizationUrl, 'alice', ACCOUNTS.alice.password);
    const attacker = await start();
    const swapped = new URL(victim);
    swapped.searchParams.set('state', attacker.state);
    const result = await gql(COMPLETE, { p: 'local', u: swapped.href }, { url: GATEWAY });
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // Refused by the issuer's token endpoint (PKCE), before any ID token is looked at.
    expect(result.errors?.[0].message).toMatch(/invalid_grant|PKCE|code_verifier/i);
  });

  it('refuses a wrong password at the issuer (no code is issued)', async () => {
    const { authorizationUrl } = await start();
    await expect(loginAtIssuer(authorizationUrl, 'alice', 'wrong')).rejects.toThrow(/401/);
  });
});
