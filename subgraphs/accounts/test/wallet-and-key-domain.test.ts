import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { hashApiKeySecret, isApiKeySecret, newApiKeySecret } from '../src/domain/api-keys';
import { ipAllowed, validAllowList, validScopes } from '../src/app/api-keys';
import { linkMessage, nonceOfLinkMessage, signerOf, verifySiweMessage, type SiweSettings } from '../src/domain/siwe';

const settings: SiweSettings = { domain: 'app.example.com', uri: 'https://app.example.com', chainIds: [1, 8453], nonceTtlSeconds: 300 };

async function signed(wallet: Wallet, fields: Partial<SiweMessage> = {}) {
  const message = new SiweMessage({
    domain: 'app.example.com',
    address: wallet.address,
    uri: 'https://app.example.com/login',
    version: '1',
    chainId: 8453,
    nonce: 'abcdef0123456789abcdef0123456789',
    ...fields,
  }).prepareMessage();
  return { message, signature: await wallet.signMessage(message) };
}

describe('SIWE message checks', () => {
  it('accepts a message for our domain, origin and chains, signed by its address', async () => {
    const wallet = Wallet.createRandom();
    const { message, signature } = await signed(wallet);
    expect((await verifySiweMessage(message, signature, settings)).address).toBe(wallet.address);
  });

  it.each([
    ['another domain', { domain: 'evil.example' }, /domain/],
    ['another origin', { uri: 'https://evil.example/login' }, /URI/],
    ['another chain', { chainId: 5 }, /Chain 5/],
    ['an expired message', { expirationTime: new Date(Date.now() - 1000).toISOString() }, /Expired/],
    ['a message not valid yet', { notBefore: new Date(Date.now() + 60_000).toISOString() }, /not valid yet/],
  ])('refuses %s', async (_name, fields, reason) => {
    const { message, signature } = await signed(Wallet.createRandom(), fields as Partial<SiweMessage>);
    await expect(verifySiweMessage(message, signature, settings)).rejects.toThrow(reason);
  });

  it('refuses a signature by another wallet', async () => {
    const { message } = await signed(Wallet.createRandom());
    await expect(verifySiweMessage(message, await Wallet.createRandom().signMessage(message), settings)).rejects.toThrow(/Signature/);
  });

  it('reads the nonce and the signer of a wallet-link message', async () => {
    const wallet = Wallet.createRandom();
    const text = linkMessage({
      domain: 'app.example.com',
      userId: 'u1',
      address: wallet.address.toLowerCase(),
      nonce: 'abcdef0123456789abcdef0123456789',
      issuedAt: new Date(),
      expiresAt: new Date(),
    });
    expect(nonceOfLinkMessage(text)).toBe('abcdef0123456789abcdef0123456789');
    expect(signerOf(text, await wallet.signMessage(text))).toBe(wallet.address.toLowerCase());
    expect(() => nonceOfLinkMessage('hello')).toThrow();
  });
});

describe('API key rules', () => {
  it('makes high-entropy secrets whose hash is stable and whose prefix tells keys apart', () => {
    const a = newApiKeySecret();
    const b = newApiKeySecret();
    expect(a.secret).not.toBe(b.secret);
    expect(isApiKeySecret(a.secret)).toBe(true);
    expect(isApiKeySecret('tgk_short')).toBe(false);
    expect(hashApiKeySecret(a.secret).equals(a.hash)).toBe(true);
    expect(a.secret.startsWith(a.prefix)).toBe(true);
  });

  it('checks scopes and allow-lists', () => {
    expect(validScopes(['trade', 'read'])).toEqual(['read', 'trade']);
    expect(() => validScopes([])).toThrow();
    expect(() => validScopes(['admin'])).toThrow();
    expect(validAllowList([' 10.0.0.0/8', '::1'])).toEqual(['10.0.0.0/8', '::1']);
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/8/1', '::1/129']) expect(() => validAllowList([bad])).toThrow();
  });

  it('allows any address with an empty list, and only listed addresses otherwise', () => {
    expect(ipAllowed([], undefined)).toBe(true);
    expect(ipAllowed(['10.0.0.0/8'], '10.1.2.3')).toBe(true);
    expect(ipAllowed(['10.0.0.0/8'], '::ffff:10.1.2.3')).toBe(true);
    expect(ipAllowed(['10.0.0.0/8'], '11.0.0.1')).toBe(false);
    expect(ipAllowed(['10.0.0.0/8'], undefined)).toBe(false);
    expect(ipAllowed(['2001:db8::/32'], '2001:db8::1')).toBe(true);
  });
});
