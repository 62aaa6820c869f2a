import { randomBytes } from 'node:crypto';
import { DEV_KYC_KEY, DEV_KYC_KEY_ID, open, parseKycKeyring, seal } from '../src/domain/kyc/crypto';
import { LocalKycProvider } from '../src/infra/kyc-provider';
import { validateSubmission } from '../src/domain/kyc/submission';

const key = () => randomBytes(32).toString('base64');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]).toString('base64');
const submission = (overrides: Record<string, unknown> = {}) => ({
  level: 1,
  fullName: '  Ada   Lovelace ',
  dateOfBirth: '1990-12-10',
  country: 'gb',
  documentType: 'passport',
  documentNumber: 'p1234567',
  documentImage: PNG,
  ...overrides,
});

describe('KYC keyring', () => {
  it('uses the public development key only outside production', () => {
    expect(parseKycKeyring(undefined, false)).toEqual({ primaryId: DEV_KYC_KEY_ID, keys: new Map([[DEV_KYC_KEY_ID, DEV_KYC_KEY]]) });
    expect(() => parseKycKeyring(undefined, true)).toThrow(/required in production/);
    expect(() => parseKycKeyring(`x:${DEV_KYC_KEY.toString('base64')}`, true)).toThrow(/development key/);
  });

  it('seals with the first key and opens with any listed key', () => {
    const [k1, k2] = [key(), key()];
    const old = parseKycKeyring(`k1:${k1}`, true);
    const sealed = seal(old, Buffer.from('secret'), 'user-1');
    expect(sealed.keyId).toBe('k1');
    const rotated = parseKycKeyring(`k2:${k2}, k1:${k1}`, true);
    expect(rotated.primaryId).toBe('k2');
    expect(open(rotated, sealed, 'user-1').toString()).toBe('secret');
    expect(seal(rotated, Buffer.from('x'), 'u').keyId).toBe('k2');
    expect(() => open(parseKycKeyring(`k2:${k2}`, true), sealed, 'user-1')).toThrow(/not configured/);
  });

  it('refuses tampered data and data moved to another user', () => {
    const ring = parseKycKeyring(`k1:${key()}`, false);
    const sealed = seal(ring, Buffer.from('secret'), 'user-1');
    expect(() => open(ring, sealed, 'user-2')).toThrow();
    const tampered = Buffer.from(sealed.blob);
    tampered[tampered.length - 1] ^= 1;
    expect(() => open(ring, { ...sealed, blob: tampered }, 'user-1')).toThrow();
  });

  it('refuses malformed key lists', () => {
    expect(() => parseKycKeyring('nocolon', false)).toThrow();
    expect(() => parseKycKeyring(`k1:${randomBytes(16).toString('base64')}`, false)).toThrow(/32 bytes/);
    expect(() => parseKycKeyring(`k1:${key()},k1:${key()}`, false)).toThrow(/twice/);
    expect(parseKycKeyring(`hex:${randomBytes(32).toString('hex')}`, false).primaryId).toBe('hex');
  });
});

describe('KYC submissions', () => {
  const now = new Date('2026-11-21T00:00:00Z');
  it('normalizes a valid submission', () => {
    const result = validateSubmission('u1', submission(), now);
    expect(result.data).toMatchObject({
      fullName: 'Ada Lovelace',
      country: 'GB',
      documentNumber: 'P1234567',
      documentImageType: 'image/png',
    });
  });

  it.each([
    [{ level: 3 }, 'level'],
    [{ dateOfBirth: '1990-02-30' }, 'dateOfBirth'],
    [{ dateOfBirth: '2008-11-22' }, 'dateOfBirth'],
    [{ country: 'GBR' }, 'country'],
    [{ documentType: 'selfie' }, 'documentType'],
    [{ documentNumber: 'no spaces' }, 'documentNumber'],
    [{ documentImage: Buffer.from('hello').toString('base64') }, 'documentImage'],
    [{ level: 2 }, 'address'],
  ])('refuses %j', (overrides, field) => {
    // A DomainError: the shared error formatter sends its details as extensions ({ code, field }).
    expect(() => validateSubmission('u1', submission(overrides), now)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: expect.objectContaining({ field }) }),
    );
  });

  it('accepts an 18th birthday today', () => {
    expect(validateSubmission('u1', submission({ dateOfBirth: '2008-11-21' }), now).data.dateOfBirth).toBe('2008-11-21');
  });
});

describe('local KYC provider', () => {
  const provider = new LocalKycProvider();
  const check = (documentNumber: string) => provider.check(validateSubmission('u1', submission({ documentNumber })));
  it('approves, rejects or leaves for review by the documented test numbers', async () => {
    expect((await check('P1234567')).decision).toBe('approved');
    expect((await check('TEST-REJECT-1')).decision).toBe('rejected');
    expect((await check('test-review-1')).decision).toBe('pending');
  });
});
