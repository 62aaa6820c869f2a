// A real OpenID Connect issuer (oidc-provider) for the OIDC sign-in tests, run as its own
// process: discovery, JWKS, signed ID tokens, PKCE, the authorization code flow. The login page
// is replaced by a small JSON interaction API the test drives over HTTP like a browser would.
//
// Environment: OIDC_ISSUER_PORT (default 0: any free port), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
// OIDC_REDIRECT_URI, OIDC_ACCOUNTS = JSON {accountId: {password, email, email_verified}}.
// Prints `ISSUER <url>` on stdout once it listens.
import http from 'node:http';
import Provider from 'oidc-provider';

const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');

// Listen first: the issuer URL (which the provider signs into every token) names the port we got.
let provider;
let callback;
const server = http.createServer((req, res) => handle(req, res));
await new Promise((resolve) => server.listen(Number(process.env.OIDC_ISSUER_PORT ?? 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  cookies: { keys: ['oidc-test-issuer-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, email: account.email, email_verified: account.email_verified }) };
  },
  // A first-party client: consent is implied, so the grant is made on first login.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const readBody = (req) =>
  new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
const json = (res, status, value) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

callback = provider.callback();

async function handle(req, res) {
  const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (!match[2]) return json(res, 200, { uid: details.uid, prompt: details.prompt.name });
    const form = await readBody(req);
    const login = form.get('login');
    if (!accounts[login] || accounts[login].password !== form.get('password')) return json(res, 401, { error: 'wrong login or password' });
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  } catch (error) {
    json(res, 400, { error: String(error) });
  }
}

console.log(`ISSUER ${issuer}`);
