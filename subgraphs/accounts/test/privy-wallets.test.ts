import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PrivyEmbeddedWalletProvider } from '../src/infra/embedded-wallets/privy';

/**
 * A local server speaking the part of Privy's REST API the adapter uses (POST /v1/wallets):
 * it checks the credentials and headers like Privy does and honours idempotency keys.
 */
function fakePrivy(appId: string, appSecret: string) {
  const byIdempotencyKey = new Map<string, { id: string; address: string; chain_type: string }>();
  const requests: { headers: http.IncomingHttpHeaders; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ headers: req.headers, body });
      const expected = `Basic ${Buffer.from(`${appId}:${appSecret}`).toString('base64')}`;
      if (req.method !== 'POST' || req.url !== '/v1/wallets') return void res.writeHead(404).end();
      if (req.headers.authorization !== expected || req.headers['privy-app-id'] !== appId) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Invalid app ID or app secret."}');
      }
      const key = req.headers['privy-idempotency-key'] as string | undefined;
      const wallet = (key && byIdempotencyKey.get(key)) || {
        id: randomBytes(12).toString('hex'),
        address: `0x${randomBytes(20).toString('hex')}`,
        chain_type: body.chain_type,
      };
      if (key) byIdempotencyKey.set(key, wallet);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...wallet, created_at: Date.now() }));
    });
  });
  return { server, requests };
}

describe('Privy embedded wallet adapter against a local Privy API', () => {
  const privy = fakePrivy('app-1', 'secret-1');
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => privy.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(privy.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => privy.server.close(() => resolve())));

  it('creates an Ethereum wallet, keeps no key material, and retries land on the same wallet', async () => {
    const adapter = new PrivyEmbeddedWalletProvider({ appId: 'app-1', appSecret: 'secret-1', apiUrl: url });
    const first = await adapter.createWallet('user-1');
    expect(first.address).toMatch(/^0x[0-9a-f]{40}$/);
    expect(first.custody).toBeNull();
    expect(privy.requests.at(-1)!.body).toEqual({ chain_type: 'ethereum' });
    expect((await adapter.createWallet('user-1')).address).toBe(first.address);
    expect((await adapter.createWallet('user-2')).address).not.toBe(first.address);
  });

  it('fails clearly on bad credentials', async () => {
    const adapter = new PrivyEmbeddedWalletProvider({ appId: 'app-1', appSecret: 'wrong', apiUrl: url });
    await expect(adapter.createWallet('user-1')).rejects.toThrow(/HTTP 401/);
  });
});
