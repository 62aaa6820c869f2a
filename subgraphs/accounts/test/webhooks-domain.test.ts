import { createHmac, randomBytes } from 'node:crypto';
import { DomainError, loadConfig } from '@tradegraph/shared';
import { readWebhookSettings } from '../src/app/settings';
import { newWebhookSecret, signatureHeader, verifyWebhookSignature, webhookBody, webhookSignature } from '../src/domain/webhooks/signing';
import { backoffMs, nextStep, retryAfterMs, verdictOf, type RetrySchedule } from '../src/domain/webhooks/retries';
import { checkResolvedAddresses, isPublicAddress, parseWebhookUrl } from '../src/domain/webhooks/targets';
import { MAX_SELECTIONS, ownsEndpoint, validGraceSeconds, validSelections } from '../src/domain/webhooks/endpoints';
import { openSecret, parseWebhookKeyring, sealSecret } from '../src/domain/webhooks/secrets';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'other';
  }
  return undefined;
};

describe('webhook signatures', () => {
  const body = webhookBody({ id: 'e1', type: 'trade.fill', createdAt: '2026-12-07T10:00:00.000Z', data: { price: '1.5' } });

  it('is HMAC-SHA256 of "<t>.<body>", hex, as Stripe does it', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(webhookSignature(secret, 1700000000, body)).toBe(expected);
    expect(signatureHeader([secret], 1700000000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('carries one v1 per valid secret, and verifies with either', () => {
    const [now, old] = [newWebhookSecret(), newWebhookSecret()];
    const header = signatureHeader([now, old], 1700000000, body);
    expect(header.split(',')).toHaveLength(3);
    expect(verifyWebhookSignature(header, body, now, 1700000010)).toEqual({ ok: true, timestamp: 1700000000 });
    expect(verifyWebhookSignature(header, body, old, 1700000010)).toEqual({ ok: true, timestamp: 1700000000 });
    expect(verifyWebhookSignature(header, body, newWebhookSecret(), 1700000010)).toEqual({ ok: false, reason: 'no matching signature' });
  });

  it('refuses a changed body, a replay outside the window and a malformed header', () => {
    const secret = newWebhookSecret();
    const header = signatureHeader([secret], 1700000000, body);
    expect(verifyWebhookSignature(header, body.replace('1.5', '1.6'), secret, 1700000000).ok).toBe(false);
    expect(verifyWebhookSignature(header, body, secret, 1700000000 + 301)).toEqual({ ok: false, reason: 'outside tolerance' });
    expect(verifyWebhookSignature(header, body, secret, 1700000000 - 301)).toEqual({ ok: false, reason: 'outside tolerance' });
    for (const bad of [undefined, '', 'v1=abc', 't=1700000000', 't=abc,v1=00']) {
      expect(verifyWebhookSignature(bad, body, secret, 1700000000)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('sends the body {id, type, createdAt, data} and nothing else', () => {
    expect(JSON.parse(body)).toEqual({ id: 'e1', type: 'trade.fill', createdAt: '2026-12-07T10:00:00.000Z', data: { price: '1.5' } });
  });
});

describe('webhook retries', () => {
  const schedule: RetrySchedule = { baseMs: 1000, maxMs: 60_000, giveUpAfterMs: 3 * 86_400_000 };

  it('retries timeouts, connection errors, 429 and 5xx; fails other statuses, redirects included', () => {
    expect(verdictOf({ statusCode: 200 })).toBe('succeeded');
    expect(verdictOf({ statusCode: 204 })).toBe('succeeded');
    for (const status of [429, 500, 502, 503, 504]) expect(verdictOf({ statusCode: status })).toBe('retry');
    for (const status of [301, 302, 307, 400, 401, 404, 410, 422]) expect(verdictOf({ statusCode: status })).toBe('failed');
    expect(verdictOf({ error: 'timeout', message: '' })).toBe('retry');
    expect(verdictOf({ error: 'connection', message: '' })).toBe('retry');
    expect(verdictOf({ error: 'refused target', message: '' })).toBe('failed');
  });

  it('backs off exponentially with equal jitter, up to the cap', () => {
    expect(backoffMs(schedule, 1, 0)).toBe(500);
    expect(backoffMs(schedule, 1, 0.999999)).toBe(1000);
    expect(backoffMs(schedule, 2, 0)).toBe(1000);
    expect(backoffMs(schedule, 4, 0.5)).toBe(6000);
    expect(backoffMs(schedule, 30, 0.999999)).toBe(60_000);
    expect(backoffMs(schedule, 1000, 0)).toBe(30_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('99999999', now)).toBe(24 * 3_600_000);
  });

  it('waits at least the Retry-After, and gives up when the next attempt would come after the end of the schedule', () => {
    const now = 1_000_000;
    expect(nextStep(schedule, 1, { statusCode: 503, retryAfter: '30' }, now, now + 86_400_000, 0)).toEqual({ status: 'pending', nextAttemptAt: new Date(now + 30_000) });
    expect(nextStep(schedule, 1, { statusCode: 503 }, now, now + 86_400_000, 0)).toEqual({ status: 'pending', nextAttemptAt: new Date(now + 500) });
    expect(nextStep(schedule, 5, { statusCode: 500 }, now, now + 100, 0)).toEqual({ status: 'abandoned' });
    expect(nextStep(schedule, 5, { statusCode: 410 }, now, now + 100, 0)).toEqual({ status: 'failed' });
    expect(nextStep(schedule, 5, { statusCode: 200 }, now, now - 1, 0)).toEqual({ status: 'succeeded' });
  });

  it('spreads the default schedule over about three days', () => {
    const defaults = readWebhookSettings(loadConfig({})).schedule;
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + backoffMs(defaults, attempts, 1) <= defaults.giveUpAfterMs) elapsed += backoffMs(defaults, attempts++, 1);
    expect(defaults.giveUpAfterMs).toBe(3 * 86_400_000);
    expect(attempts).toBeGreaterThan(10);
    expect(attempts).toBeLessThan(30);
  });
});

describe('webhook targets', () => {
  const production = { httpsOnly: true, allowPrivate: false };
  const development = { httpsOnly: false, allowPrivate: true };

  it('knows public addresses from private, loopback, link-local and the rest', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '[2606:4700:4700::1111]']) expect([address, isPublicAddress(address)]).toEqual([address, true]);
    for (const address of [
      '127.0.0.1', '127.8.9.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '224.0.0.1', '255.255.255.255', '240.0.0.1', '198.18.0.1', '192.0.2.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', 'fec0::1',
      'localhost', 'not-an-ip',
    ]) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
  });

  it('takes only https in production, and no IP literal outside the public internet', () => {
    expect(parseWebhookUrl(' https://hooks.example.com/x#frag ', production).toString()).toBe('https://hooks.example.com/x');
    for (const url of ['http://hooks.example.com/', 'https://127.0.0.1/', 'https://[::1]:8443/', 'https://10.0.0.1/', 'ftp://x/', 'nonsense', 'https://u:p@hooks.example.com/', '']) {
      expect([url, codeOf(() => parseWebhookUrl(url, production))]).toEqual([url, 'BAD_USER_INPUT']);
    }
    expect(parseWebhookUrl('http://127.0.0.1:3000/hook', development).toString()).toBe('http://127.0.0.1:3000/hook');
    expect(codeOf(() => parseWebhookUrl('ftp://127.0.0.1/', development))).toBe('BAD_USER_INPUT');
  });

  it('refuses a name when any of its addresses is not public', () => {
    expect(codeOf(() => checkResolvedAddresses('h', ['93.184.215.14'], production))).toBeUndefined();
    expect(codeOf(() => checkResolvedAddresses('h', ['93.184.215.14', '10.0.0.1'], production))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => checkResolvedAddresses('h', [], production))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => checkResolvedAddresses('h', ['127.0.0.1'], development))).toBeUndefined();
  });

  it('production refuses private targets by default; outside it they are allowed unless configured', () => {
    const keys = `h1:${randomBytes(32).toString('base64')}`;
    expect(readWebhookSettings(loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRET_KEYS: keys })).rules).toEqual(production);
    expect(readWebhookSettings(loadConfig({})).rules).toEqual(development);
    expect(readWebhookSettings(loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'off' })).rules).toEqual({ httpsOnly: false, allowPrivate: false });
    expect(() => readWebhookSettings(loadConfig({ NODE_ENV: 'production' }))).toThrow(/WEBHOOK_SECRET_KEYS is required in production/);
  });
});

describe('webhook endpoints', () => {
  it('accepts types, families and *, deduplicated; refuses anything else', () => {
    expect(validSelections(['trade.fill', 'trade.*', '*', 'trade.fill', ' account.webhook_failing '])).toEqual(['trade.fill', 'trade.*', '*', 'account.webhook_failing']);
    for (const bad of [[], ['trade.nope'], ['nope.*'], ['trade'], ['**'], ['webhook.test'], Array.from({ length: MAX_SELECTIONS + 1 }, (_, i) => `x${i}`)]) {
      expect(codeOf(() => validSelections(bad))).toBe('BAD_USER_INPUT');
    }
  });

  it('lets the user see all their endpoints and an application only its own', () => {
    const byUser = { userId: 'u', apiKeyId: null };
    const byApp = { userId: 'u', apiKeyId: 'k1' };
    expect(ownsEndpoint({ userId: 'u' }, byUser)).toBe(true);
    expect(ownsEndpoint({ userId: 'u' }, byApp)).toBe(true);
    expect(ownsEndpoint({ userId: 'u', apiKeyId: 'k1' }, byApp)).toBe(true);
    expect(ownsEndpoint({ userId: 'u', apiKeyId: 'k2' }, byApp)).toBe(false);
    expect(ownsEndpoint({ userId: 'u', apiKeyId: 'k1' }, byUser)).toBe(false);
    expect(ownsEndpoint({ userId: 'v' }, byUser)).toBe(false);
  });

  it('bounds the rotation grace period', () => {
    expect(validGraceSeconds(undefined)).toBe(86_400);
    expect(validGraceSeconds(0)).toBe(0);
    for (const bad of [-1, 1.5, 8 * 86_400]) expect(codeOf(() => validGraceSeconds(bad))).toBe('BAD_USER_INPUT');
  });

  it('seals secrets bound to their endpoint', () => {
    const keyring = parseWebhookKeyring(undefined, false);
    const sealed = sealSecret(keyring, 'whsec_abc', 'endpoint-1');
    expect(sealed.blob.includes(Buffer.from('whsec_abc'))).toBe(false);
    expect(openSecret(keyring, sealed, 'endpoint-1')).toBe('whsec_abc');
    expect(() => openSecret(keyring, sealed, 'endpoint-2')).toThrow();
  });
});
