import { createHash } from 'node:crypto';
import { HDNodeVoidWallet, HDNodeWallet, Mnemonic, getAddress, randomBytes } from 'ethers';
import { openSecret, parseSealingKeyring, sealSecret, type EntityManager } from '@tradegraph/shared';

/**
 * Where deposit addresses come from: an HD key (BIP-32). Deriving an address needs only the
 * extended public key (the account node m/44'/60'/0'/0, neutered): FUNDING_XPUB when set, so the
 * secret never reaches this process. Otherwise funding makes an HD key once, keeps its xpub in
 * the clear and its seed sealed (AES-256-GCM, FUNDING_SEED_KEYS) in funding.hd_root; only
 * sweeping and withdrawal code would ever open it.
 */
export const ACCOUNT_PATH = "m/44'/60'/0'/0";
const SEALED_CONTEXT = 'funding.hd_root';
/** The development sealing key (public: production refuses it and requires FUNDING_SEED_KEYS). */
const DEV_SEED_KEY = createHash('sha256').update('tradegraph funding development seed key').digest();

export interface HdSettings {
  xpub: string | undefined;
  seedKeys: string | undefined;
  production: boolean;
}

export class AddressDeriver {
  constructor(private readonly account: HDNodeVoidWallet) {}

  get xpub(): string {
    return this.account.extendedKey;
  }

  /** The checksummed address at index `index` under the account node. */
  address(index: number): string {
    return getAddress(this.account.deriveChild(index).address);
  }
}

export async function loadAddressDeriver(em: EntityManager, settings: HdSettings): Promise<AddressDeriver> {
  if (settings.xpub) {
    const node = HDNodeWallet.fromExtendedKey(settings.xpub);
    if (!(node instanceof HDNodeVoidWallet)) throw new Error('FUNDING_XPUB must be an extended public key (xpub), not a private one');
    return new AddressDeriver(node);
  }
  const existing = await em.execute<{ xpub: string }[]>('select xpub from funding.hd_root where id = 1');
  if (existing.length > 0) return new AddressDeriver(HDNodeWallet.fromExtendedKey(existing[0].xpub) as HDNodeVoidWallet);
  const keyring = parseSealingKeyring('FUNDING_SEED_KEYS', settings.seedKeys, settings.production, DEV_SEED_KEY);
  const mnemonic = Mnemonic.fromEntropy(randomBytes(32));
  const account = HDNodeWallet.fromMnemonic(mnemonic, ACCOUNT_PATH);
  const sealed = sealSecret(keyring, Buffer.from(mnemonic.entropy.slice(2), 'hex'), SEALED_CONTEXT);
  // Two processes starting at once: the first insert wins and both read it back.
  await em.execute('insert into funding.hd_root (id, xpub, seed_key_id, sealed_seed) values (1, ?, ?, ?) on conflict (id) do nothing', [
    account.neuter().extendedKey,
    sealed.keyId,
    sealed.blob,
  ]);
  const [row] = await em.execute<{ xpub: string }[]>('select xpub from funding.hd_root where id = 1');
  return new AddressDeriver(HDNodeWallet.fromExtendedKey(row.xpub) as HDNodeVoidWallet);
}

/**
 * The private side of the deposit addresses, for code that moves money out of them (the LI-FI
 * swap adapter signs its source transaction with the deposit address's key). Opens the sealed
 * seed of funding.hd_root; refuses when funding was given only an xpub (FUNDING_XPUB), as then
 * no secret is here to open.
 */
export class DepositKeys {
  constructor(private readonly account: HDNodeWallet) {}

  /** The private key of the address at `index` (never logged, never stored in the clear). */
  privateKey(index: number): string {
    return this.account.deriveChild(index).privateKey;
  }

  address(index: number): string {
    return getAddress(this.account.deriveChild(index).address);
  }
}

export async function openDepositKeys(em: EntityManager, settings: HdSettings): Promise<DepositKeys> {
  if (settings.xpub) throw new Error('FUNDING_XPUB is set: funding holds no deposit keys here, so it cannot sign swaps from deposit addresses');
  const rows = await em.execute<{ seed_key_id: string | null; sealed_seed: Buffer | null }[]>('select seed_key_id, sealed_seed from funding.hd_root where id = 1');
  const row = rows[0];
  if (!row?.seed_key_id || !row.sealed_seed) throw new Error('funding.hd_root holds no sealed seed');
  const keyring = parseSealingKeyring('FUNDING_SEED_KEYS', settings.seedKeys, settings.production, DEV_SEED_KEY);
  const entropy = openSecret(keyring, { keyId: row.seed_key_id, blob: row.sealed_seed }, SEALED_CONTEXT);
  return new DepositKeys(HDNodeWallet.fromMnemonic(Mnemonic.fromEntropy(entropy), ACCOUNT_PATH));
}
