import { GraphQLError } from 'graphql';
import { DomainError, loadConfig } from '@tradegraph/shared';
import { readAttemptSettings } from '../src/app/settings';
import { AttemptCounters } from '../src/infra/attempt-counters';

// The embedded mode (no Redis URL): the counters live in memory. Same rules.
const settings = readAttemptSettings(loadConfig({
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '3',
  RATE_LIMIT_LOGIN_PER_IP: '5',
  RATE_LIMIT_SIWE_PER_ACCOUNT_IP: '2',
  RATE_LIMIT_SIWE_PER_ACCOUNT: '5',
}));
const counters = new AttemptCounters(settings.attempts, settings.signUps, undefined);
const guardAttempt = counters.guard.bind(counters);
const guardSignUp = counters.guardSignUp.bind(counters);

const wrong = () => Promise.reject(new DomainError('UNAUTHENTICATED', 'Wrong email or password'));
const right = () => Promise.resolve('ok');
/** The extensions a client gets for the error (what the shared error formatter gives a DomainError). */
const extensionsOf = (error: unknown): Record<string, unknown> | undefined =>
  error instanceof DomainError ? { ...error.details, code: error.code } : (error as GraphQLError).extensions;
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return extensionsOf(error)?.code;
  }
};

afterAll(() => counters.close());

describe('guardAttempt without Redis', () => {
  it('refuses an account after its failures, with a retry-after, before running the attempt', async () => {
    for (let i = 0; i < 3; i++)
      expect(await codeOf(guardAttempt('login', { account: 'a@x', ip: '192.0.2.1' }, wrong))).toBe('UNAUTHENTICATED');
    let ran = false;
    const refused = guardAttempt('login', { account: 'a@x', ip: '192.0.2.2' }, async () => {
      ran = true;
      return 'ok';
    });
    const error = await refused.catch((e: unknown) => e);
    expect(extensionsOf(error)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(extensionsOf(error)!.retryAfterSeconds).toBeGreaterThan(0);
    expect(ran).toBe(false);
  });

  it('a success empties the account’s counter', async () => {
    for (let round = 0; round < 4; round++) {
      const ip = `198.51.100.${round}`;
      expect(await codeOf(guardAttempt('login', { account: 'b@x', ip }, wrong))).toBe('UNAUTHENTICATED');
      expect(await codeOf(guardAttempt('login', { account: 'b@x', ip }, wrong))).toBe('UNAUTHENTICATED');
      expect(await guardAttempt('login', { account: 'b@x', ip }, right)).toBe('ok');
    }
  });

  it('successes cost an IP nothing', async () => {
    for (let i = 0; i < 20; i++) expect(await guardAttempt('login', { account: `ok${i}@x`, ip: '192.0.2.3' }, right)).toBe('ok');
  });

  it('counts failures per IP across accounts', async () => {
    const ip = '192.0.2.4';
    for (let i = 0; i < 5; i++) expect(await codeOf(guardAttempt('login', { account: `user${i}@x`, ip }, wrong))).toBe('UNAUTHENTICATED');
    expect(await codeOf(guardAttempt('login', { account: 'fresh@x', ip }, right))).toBe('RATE_LIMITED');
    expect(await codeOf(guardAttempt('login', { account: 'fresh@x', ip: '192.0.2.5' }, right))).toBe('ok');
  });

  it('does not count outages or conflicts as guesses', async () => {
    const outage = () => Promise.reject(new Error('database down'));
    const conflict = () => Promise.reject(new GraphQLError('exists', { extensions: { code: 'CONFLICT' } }));
    for (let i = 0; i < 6; i++) {
      expect(await codeOf(guardAttempt('login', { account: 'c@x', ip: '192.0.2.6' }, outage))).toBeUndefined();
      expect(await codeOf(guardAttempt('login', { account: 'c@x', ip: '192.0.2.6' }, conflict))).toBe('CONFLICT');
    }
    expect(await guardAttempt('login', { account: 'c@x', ip: '192.0.2.6' }, right)).toBe('ok');
  });

  it('keeps kinds apart: login failures do not limit second-factor attempts', async () => {
    for (let i = 0; i < 3; i++) await codeOf(guardAttempt('login', { account: 'd@x', ip: '192.0.2.7' }, wrong));
    expect(await codeOf(guardAttempt('login', { account: 'd@x', ip: '192.0.2.7' }, right))).toBe('RATE_LIMITED');
    expect(await guardAttempt('two-factor', { account: 'd@x', ip: '192.0.2.7' }, right)).toBe('ok');
  });

  it('locks an account only for the address that failed, up to the account’s ceiling from all addresses', async () => {
    const account = '0xabc';
    for (let i = 0; i < 2; i++) expect(await codeOf(guardAttempt('siwe', { account, ip: '198.51.100.50' }, wrong))).toBe('UNAUTHENTICATED');
    expect(await codeOf(guardAttempt('siwe', { account, ip: '198.51.100.50' }, right))).toBe('RATE_LIMITED');
    // Refused at the pair: the ceiling is not used up by a locked-out guesser.
    for (let i = 0; i < 10; i++) expect(await codeOf(guardAttempt('siwe', { account, ip: '198.51.100.50' }, wrong))).toBe('RATE_LIMITED');
    // The owner elsewhere is fine.
    expect(await guardAttempt('siwe', { account, ip: '198.51.100.51' }, right)).toBe('ok');
    // Failures from many addresses reach the ceiling (5): then every address is refused.
    for (let i = 0; i < 5; i++) expect(await codeOf(guardAttempt('siwe', { account, ip: `198.51.100.${60 + i}` }, wrong))).toBe('UNAUTHENTICATED');
    expect(await codeOf(guardAttempt('siwe', { account, ip: '198.51.100.70' }, right))).toBe('RATE_LIMITED');
  });

  it('limits sign-ups per address (RATE_LIMIT_SIGNUP_PER_IP, default 30)', async () => {
    for (let i = 0; i < 30; i++) await guardSignUp('192.0.2.99');
    expect(await codeOf(guardSignUp('192.0.2.99'))).toBe('RATE_LIMITED');
    await expect(guardSignUp('192.0.2.98')).resolves.toBeUndefined();
  });
});
