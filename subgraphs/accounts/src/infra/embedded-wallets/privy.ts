import type { CreatedEmbeddedWallet, EmbeddedWalletProvider } from '../../domain/embedded-wallets/port';

export interface PrivySettings {
  appId: string;
  appSecret: string;
  /** https://api.privy.io unless pointed at a local server speaking its API (tests). */
  apiUrl: string;
}

/**
 * Privy server wallets (POST /v1/wallets, Basic auth with the app id and secret, `privy-app-id`
 * header). Privy holds the key shares; we keep only the address. The idempotency key makes a
 * retried request for the same user answer the same wallet instead of creating a second one.
 */
export class PrivyEmbeddedWalletProvider implements EmbeddedWalletProvider {
  readonly name = 'privy';
  constructor(private readonly settings: PrivySettings) {}

  async createWallet(userId: string): Promise<CreatedEmbeddedWallet> {
    const response = await fetch(`${this.settings.apiUrl.replace(/\/$/, '')}/v1/wallets`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${this.settings.appId}:${this.settings.appSecret}`).toString('base64')}`,
        'privy-app-id': this.settings.appId,
        'privy-idempotency-key': `tradegraph-embedded-${userId}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ chain_type: 'ethereum' }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`Privy refused to create a wallet: HTTP ${response.status} ${await response.text().catch(() => '')}`);
    const body = (await response.json()) as { address?: unknown; chain_type?: unknown };
    if (typeof body.address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(body.address) || body.chain_type !== 'ethereum') {
      throw new Error('Privy answered a wallet without an Ethereum address');
    }
    return { address: body.address.toLowerCase(), custody: null };
  }
}
