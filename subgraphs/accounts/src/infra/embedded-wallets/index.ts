import { embeddedWalletKeyring } from '../../domain/embedded-wallets/keyring';
import type { EmbeddedWalletProvider } from '../../domain/embedded-wallets/port';
import { LocalEmbeddedWalletProvider } from './local';
import { PrivyEmbeddedWalletProvider } from './privy';

export { LocalEmbeddedWalletProvider, PrivyEmbeddedWalletProvider };

/** The raw settings of the embedded-wallet provider (EMBEDDED_WALLET_PROVIDER and what it needs). */
export interface EmbeddedWalletSettings {
  /** local (the default) or privy. */
  provider: string;
  /** EMBEDDED_WALLET_KEYS, for the local adapter. */
  keys: string | undefined;
  production: boolean;
  privy: { appId?: string; appSecret?: string; apiUrl?: string };
}

/**
 * The configured provider. Made when the first embedded wallet is asked for, not at start, so a
 * process whose embedded wallets are not configured still serves everything else.
 */
export function embeddedWalletProvider(settings: EmbeddedWalletSettings): EmbeddedWalletProvider {
  const name = settings.provider || 'local';
  if (name === 'local') return new LocalEmbeddedWalletProvider(embeddedWalletKeyring(settings.keys, settings.production));
  if (name === 'privy') {
    const { appId, appSecret, apiUrl } = settings.privy;
    if (!appId || !appSecret) throw new Error('EMBEDDED_WALLET_PROVIDER=privy needs PRIVY_APP_ID and PRIVY_APP_SECRET');
    return new PrivyEmbeddedWalletProvider({ appId, appSecret, apiUrl: apiUrl || 'https://api.privy.io' });
  }
  throw new Error(`EMBEDDED_WALLET_PROVIDER=${name} has no adapter (local, privy)`);
}
