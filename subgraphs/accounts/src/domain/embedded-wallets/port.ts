/**
 * Embedded (MPC) wallets: a wallet the exchange creates for a user who has none of their own.
 * Privy and Dynamic hold key shares on their side and answer an address; the local adapter
 * makes an ordinary key and gives it back sealed for us to keep. Either way the key never
 * reaches the API.
 */
export interface SealedKey {
  /** Which configured key encrypted it (keys rotate; old ones stay to open old rows). */
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

export interface CreatedEmbeddedWallet {
  /** Lower-case hex address. */
  address: string;
  /** Key material for us to store, when this provider leaves custody with us; null when it keeps it. */
  custody: SealedKey | null;
}

export interface EmbeddedWalletProvider {
  /** Stored with the wallet (local, privy, dynamic). */
  readonly name: string;
  createWallet(userId: string): Promise<CreatedEmbeddedWallet>;
}
