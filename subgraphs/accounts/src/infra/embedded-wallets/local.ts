import { Wallet } from 'ethers';
import { seal, type Keyring } from '../../domain/embedded-wallets/keyring';
import type { CreatedEmbeddedWallet, EmbeddedWalletProvider } from '../../domain/embedded-wallets/port';

/** The local adapter: a fresh secp256k1 key made here, sealed before it leaves this function. */
export class LocalEmbeddedWalletProvider implements EmbeddedWalletProvider {
  readonly name = 'local';
  constructor(private readonly keyring: Keyring) {}

  async createWallet(): Promise<CreatedEmbeddedWallet> {
    const wallet = Wallet.createRandom();
    const address = wallet.address.toLowerCase();
    const custody = seal(this.keyring, Buffer.from(wallet.privateKey.slice(2), 'hex'), address);
    return { address, custody };
  }
}
