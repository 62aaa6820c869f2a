import { Wallet } from 'ethers';
import { embeddedWalletKeyring, seal, type Keyring } from './keyring';
import type { CreatedEmbeddedWallet, EmbeddedWalletProvider } from './port';
import { PrivyEmbeddedWalletProvider, privySettingsFromEnv } from './privy';

/** The local adapter: a fresh secp256k1 key made here, sealed before it leaves this function. */
export class LocalEmbeddedWalletProvider implements EmbeddedWalletProvider {
  readonly name = 'local';
  constructor(private readonly keyring: Keyring = embeddedWalletKeyring()) {}

  async createWallet(): Promise<CreatedEmbeddedWallet> {
    const wallet = Wallet.createRandom();
    const address = wallet.address.toLowerCase();
    const custody = seal(this.keyring, Buffer.from(wallet.privateKey.slice(2), 'hex'), address);
    return { address, custody };
  }
}

/** The configured provider (EMBEDDED_WALLET_PROVIDER: local, the default, or privy). */
export function embeddedWalletProvider(): EmbeddedWalletProvider {
  const name = process.env.EMBEDDED_WALLET_PROVIDER || 'local';
  if (name === 'local') return new LocalEmbeddedWalletProvider();
  if (name === 'privy') return new PrivyEmbeddedWalletProvider(privySettingsFromEnv());
  throw new Error(`EMBEDDED_WALLET_PROVIDER=${name} has no adapter (local, privy)`);
}
