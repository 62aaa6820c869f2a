import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import { embeddedWalletKeyring, open, seal } from '../src/domain/embedded-wallets/keyring';
import { LocalEmbeddedWalletProvider } from '../src/infra/embedded-wallets/local';

const keySpec = (...ids: string[]) => ids.map((id) => `${id}:${randomBytes(32).toString('base64')}`).join(',');

describe('embedded wallet keys at rest', () => {
  it('seals with the first configured key and opens with any configured key (rotation)', () => {
    const old = embeddedWalletKeyring(keySpec('k1'));
    const sealed = seal(old, Buffer.from('secret key bytes'), '0xabc');
    expect(sealed.keyId).toBe('k1');
    const rotated = embeddedWalletKeyring(`${keySpec('k2')},k1:${old.keys.get('k1')!.toString('base64')}`);
    expect(rotated.primaryId).toBe('k2');
    expect(open(rotated, sealed, '0xabc').toString()).toBe('secret key bytes');
    expect(seal(rotated, Buffer.from('x'), '0xabc').keyId).toBe('k2');
  });

  it('refuses a sealed key moved to another wallet, or tampered with', () => {
    const keyring = embeddedWalletKeyring(keySpec('k1'));
    const sealed = seal(keyring, Buffer.from('secret'), '0xabc');
    expect(() => open(keyring, sealed, '0xdef')).toThrow();
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] ^= 1;
    expect(() => open(keyring, { ...sealed, ciphertext: flipped }, '0xabc')).toThrow();
  });

  it('refuses malformed key settings', () => {
    expect(() => embeddedWalletKeyring('k1:short')).toThrow();
    expect(() => embeddedWalletKeyring(':' + randomBytes(32).toString('base64'))).toThrow();
  });

  it('the local adapter makes a real key whose sealed form opens to the address it reports', async () => {
    const keyring = embeddedWalletKeyring(keySpec('k1'));
    const { address, custody } = await new LocalEmbeddedWalletProvider(keyring).createWallet();
    const privateKey = open(keyring, custody!, address).toString('hex');
    expect(new Wallet(`0x${privateKey}`).address.toLowerCase()).toBe(address);
  });
});
