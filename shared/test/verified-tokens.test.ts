import { rememberVerifiedTokens } from '../src/verified-tokens';
import type { Viewer } from '../src/auth';

/** An unsigned token with the given expiry; the fake verifier below decides what is valid. */
function token(expSeconds: number | undefined, sub = 'u1'): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `Bearer ${part({ alg: 'ES256' })}.${part({ sub, ...(expSeconds === undefined ? {} : { exp: expSeconds }) })}.sig`;
}

function counting(valid: (authorization: string) => boolean) {
  const calls: string[] = [];
  const verify = async (authorization: string | undefined): Promise<Viewer | null> => {
    if (!authorization) return null;
    calls.push(authorization);
    if (!valid(authorization)) throw new Error('invalid');
    return { userId: 'u1', roles: [], scopes: [] } as unknown as Viewer;
  };
  return { verify, calls };
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('rememberVerifiedTokens', () => {
  it('verifies a token once and answers again from memory', async () => {
    const { verify, calls } = counting(() => true);
    const remembered = rememberVerifiedTokens(verify);
    const t = token(inAnHour());
    const first = await remembered(t);
    expect(await remembered(t)).toBe(first);
    expect(calls).toHaveLength(1);
    expect(await remembered(undefined)).toBeNull();
  });

  it('never remembers a failure, an expired token or one without exp', async () => {
    let accept = false;
    const { verify, calls } = counting(() => accept);
    const remembered = rememberVerifiedTokens(verify);
    const t = token(inAnHour());
    await expect(remembered(t)).rejects.toThrow('invalid');
    await expect(remembered(t)).rejects.toThrow('invalid');
    expect(calls).toHaveLength(2);
    accept = true;
    const expired = token(Math.floor(Date.now() / 1000) - 10);
    await remembered(expired);
    await remembered(expired);
    const noExp = token(undefined);
    await remembered(noExp);
    await remembered(noExp);
    expect(calls).toHaveLength(6);
  });

  it('checks again after maxAgeMs and keeps at most maxEntries', async () => {
    const { verify, calls } = counting(() => true);
    const remembered = rememberVerifiedTokens(verify, { maxAgeMs: 0, maxEntries: 1 });
    const t = token(inAnHour());
    await remembered(t);
    await remembered(t);
    expect(calls).toHaveLength(2);
    const bounded = rememberVerifiedTokens(verify, { maxEntries: 1 });
    const a = token(inAnHour(), 'a');
    const b = token(inAnHour(), 'b');
    await bounded(a);
    await bounded(b);
    await bounded(a);
    expect(calls.slice(2)).toEqual([a, b, a]);
  });
});
