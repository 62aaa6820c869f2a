import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { config, createTokenVerifier } from '../src';

// A token naming a key id the key set lacks must not make the verifier fetch the key set (or
// wait) again and again: once fetched for that id, it is refused at once (issue 18).
describe('unknown key ids', () => {
  let server: http.Server;
  let url: string;
  let fetches = 0;
  const keys: JWK[] = [];

  const keyPair = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  };
  const token = (key: { kid: string; privateKey: CryptoKey | Uint8Array | object }) =>
    new SignJWT({ roles: ['user'] })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject('user-1')
      .setIssuer(config().TOKEN_ISSUER)
      .setAudience(config().TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey as never);

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('fetches the key set once for a made-up key id, however often it is sent, and still takes a key rotated in later', async () => {
    const known = await keyPair('known');
    keys.push(known.publicJwk);
    const verify = createTokenVerifier(url);
    expect((await verify(`Bearer ${await token(known)}`))?.userId).toBe('user-1');
    const fetchesBefore = fetches;

    const stranger = await keyPair('made-up');
    const forged = `Bearer ${await token(stranger)}`;
    for (let i = 0; i < 20; i += 1) {
      await expect(verify(forged)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
    // The first refusal fetched (and, in the cooldown, fetched once more); the other 19 fetched nothing.
    expect(fetches - fetchesBefore).toBeLessThanOrEqual(2);

    const rotated = await keyPair('rotated');
    keys.push(rotated.publicJwk);
    expect((await verify(`Bearer ${await token(rotated)}`))?.userId).toBe('user-1');
  });
});
