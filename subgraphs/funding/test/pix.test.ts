import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { brlToCents, centsToBrl, moveCharge, parsePixKey, pixCreditKey } from '../src/domain/pix';
import { LocalPixProvider, brCode, crc16 } from '../src/infra/local-pix';
import { OpenPixProvider } from '../src/infra/openpix-pix';

describe('PIX rules', () => {
  it('reads BRL amounts as centavos: positive, at most 2 decimal places, bounded', () => {
    expect(brlToCents('150')).toBe(15000);
    expect(brlToCents('12.5')).toBe(1250);
    expect(brlToCents('0.01')).toBe(1);
    for (const bad of ['0', '0.00', '-1', '1.001', 'abc', '', '1e3', '1000001']) {
      expect(() => brlToCents(bad)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
    expect(centsToBrl(15000)).toBe('150');
    expect(centsToBrl(1250)).toBe('12.5');
    expect(centsToBrl(1)).toBe('0.01');
  });

  it('knows PIX keys: CPF and CNPJ with their check digits, e-mail, +55 phone, random key', () => {
    expect(parsePixKey('529.982.247-25')).toEqual({ type: 'CPF', key: '52998224725' });
    expect(parsePixKey('11.222.333/0001-81')).toEqual({ type: 'CNPJ', key: '11222333000181' });
    expect(parsePixKey('Ana@Example.com')).toEqual({ type: 'EMAIL', key: 'ana@example.com' });
    expect(parsePixKey('+5511987654321')).toEqual({ type: 'PHONE', key: '+5511987654321' });
    expect(parsePixKey('123E4567-E89B-42D3-A456-426614174000')).toEqual({ type: 'RANDOM', key: '123e4567-e89b-42d3-a456-426614174000' });
    for (const bad of ['529.982.247-26', '111.111.111-11', '11.222.333/0001-80', '11987654321x', '+1415555', '', 'not a key']) {
      expect(() => parsePixKey(bad)).toThrow(expect.objectContaining({ code: 'PIX_INVALID_KEY' }));
    }
  });

  it('moves a charge only along its life; its credit key is the charge', () => {
    expect(moveCharge('pending', 'paid')).toBe('paid');
    expect(moveCharge('paid', 'credited')).toBe('credited');
    expect(() => moveCharge('expired', 'paid')).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => moveCharge('credited', 'paid')).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(pixCreditKey('c1')).toBe('pix:charge:c1');
  });
});

describe('the local PIX provider', () => {
  it('makes a BR Code with a valid CRC16 (CCITT-FALSE)', () => {
    expect(crc16('123456789')).toBe('29B1');
    const code = brCode('8a4a4168-a877-4494-9d8d-eba2d4435e97', 1050);
    expect(code.startsWith('000201')).toBe(true);
    expect(code).toContain('540510.50');
    expect(code.slice(-4)).toBe(crc16(code.slice(0, -4)));
  });

  it('settles a charge when paid, with a signed notice; a forged or tampered notice is refused; the same charge again is the same', async () => {
    const notices: { raw: Buffer; headers: Record<string, string> }[] = [];
    const provider = new LocalPixProvider({ settleAfterMs: 0 }, async (raw, headers) => void notices.push({ raw, headers }));
    const charge = await provider.createCharge({ correlationId: 'c-1', cents: 2500, expiresInSeconds: 60, comment: 'deposit' });
    expect(charge).toMatchObject({ status: 'pending', cents: 2500 });
    expect(await provider.createCharge({ correlationId: 'c-1', cents: 2500, expiresInSeconds: 60, comment: 'deposit' })).toBe(charge);
    expect(await provider.pay('c-1')).toBe(true);
    expect(await provider.pay('c-1')).toBe(false);
    expect(notices).toHaveLength(1);
    const notice = provider.verifyWebhook(notices[0].raw, notices[0].headers);
    expect(notice).toMatchObject({ event: 'charge_paid', correlationId: 'c-1', cents: 2500 });
    const tampered = Buffer.from(notices[0].raw.toString().replace('2500', '9999'));
    expect(provider.verifyWebhook(tampered, notices[0].headers)).toBeNull();
    const forged = Buffer.from(JSON.stringify({ event: 'charge_paid', correlationId: 'c-1', cents: 1 }));
    expect(provider.verifyWebhook(forged, { 'x-local-pix-signature': createHmac('sha256', 'guess').update(forged).digest('base64') })).toBeNull();
    expect(provider.verifyWebhook(forged, {})).toBeNull();
    expect((await provider.charge('c-1'))?.status).toBe('paid');
  });

  it('pays by itself after the configured delay; an unpaid charge expires', async () => {
    const provider = new LocalPixProvider({ settleAfterMs: 20 });
    await provider.createCharge({ correlationId: 'auto', cents: 100, expiresInSeconds: 60, comment: '' });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await provider.charge('auto'))?.status).toBe('paid');
    const manual = new LocalPixProvider({ settleAfterMs: 0 });
    await manual.createCharge({ correlationId: 'late', cents: 100, expiresInSeconds: 0, comment: '' });
    expect((await manual.charge('late'))?.status).toBe('expired');
    expect(await manual.pay('late')).toBe(false);
  });
});

describe('the OpenPix adapter, against a local server that speaks its API', () => {
  // The server's own key pair stands for OpenPix's: it signs webhooks with the private key; the
  // adapter knows only the public one, as it knows OpenPix's published key in production.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const charges = new Map<string, Record<string, unknown>>();
  const payments = new Map<string, Record<string, unknown>>();
  const calls: { method: string; url: string; authorization?: string; body: any }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      calls.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== 'test-app-id') return send(401, { error: 'appID inválido' });
      const url = req.url!;
      if (req.method === 'POST' && url === '/api/v1/charge') {
        if (charges.has(body.correlationID)) return send(400, { error: 'correlationID já existe' });
        const charge = {
          correlationID: body.correlationID,
          identifier: `id${charges.size + 1}`,
          value: body.value,
          comment: body.comment,
          status: 'ACTIVE',
          brCode: brCode(body.correlationID, body.value),
          expiresDate: new Date(Date.now() + body.expiresIn * 1000).toISOString(),
        };
        charges.set(body.correlationID, charge);
        return send(200, { charge });
      }
      const chargeMatch = /^\/api\/v1\/charge\/([^/]+)(\/refund)?$/.exec(url);
      if (chargeMatch) {
        const charge = charges.get(decodeURIComponent(chargeMatch[1]));
        if (!charge) return send(404, { error: 'Cobrança não encontrada' });
        if (req.method === 'GET') return send(200, { charge });
        if (chargeMatch[2] && charge.status !== 'COMPLETED') return send(400, { error: 'Cobrança não paga' });
        charge.status = 'REFUNDED';
        return send(200, { refund: { correlationID: body.correlationID, value: body.value, status: 'IN_PROCESSING' } });
      }
      if (req.method === 'POST' && url === '/api/v1/payment') {
        payments.set(body.correlationID, { ...body, status: 'CREATED' });
        return send(200, { payment: payments.get(body.correlationID) });
      }
      if (req.method === 'POST' && url === '/api/v1/payment/approve') {
        const payment = payments.get(body.correlationID);
        if (!payment) return send(404, { error: 'Pagamento não encontrado' });
        payment.status = 'CONFIRMED';
        return send(200, { payment });
      }
      send(404, { error: 'not found' });
    });
  });
  let provider: OpenPixProvider;

  /** A webhook as the server sends it: the raw body and `x-webhook-signature` (base64 RSA-SHA256). */
  function webhook(payload: unknown, key = privateKey): { raw: Buffer; headers: Record<string, string> } {
    const raw = Buffer.from(JSON.stringify(payload));
    return { raw, headers: { 'content-type': 'application/json', 'x-webhook-signature': sign('sha256', raw, key).toString('base64') } };
  }

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    provider = new OpenPixProvider({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, appId: 'test-app-id', publicKeyPem });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('creates a charge with its BR Code and expiry, finds it again by our id, and a repeated create answers the same charge', async () => {
    const charge = await provider.createCharge({ correlationId: 'dep-1', cents: 12345, expiresInSeconds: 900, comment: 'Tradegraph deposit' });
    expect(charge).toMatchObject({ correlationId: 'dep-1', cents: 12345, status: 'pending', providerId: 'id1' });
    expect(charge.brCode.slice(-4)).toBe(crc16(charge.brCode.slice(0, -4)));
    expect(charge.expiresAt.getTime()).toBeGreaterThan(Date.now() + 800_000);
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/charge', authorization: 'test-app-id', body: { correlationID: 'dep-1', value: 12345, expiresIn: 900 } });
    const again = await provider.createCharge({ correlationId: 'dep-1', cents: 12345, expiresInSeconds: 900, comment: 'Tradegraph deposit' });
    expect(again.providerId).toBe('id1');
    expect(charges.size).toBe(1);
    expect(await provider.charge('nope')).toBeNull();
  });

  it('reads a paid charge, refunds it, and pays out to a PIX key (create, then approve)', async () => {
    charges.get('dep-1')!.status = 'COMPLETED';
    expect((await provider.charge('dep-1'))?.status).toBe('paid');
    await provider.refund({ correlationId: 'dep-1', refundCorrelationId: 'dep-1-refund', cents: 12345, comment: 'refund' });
    expect((await provider.charge('dep-1'))?.status).toBe('refunded');
    const payout = await provider.payout({ correlationId: 'wd-1', cents: 5000, pixKey: '52998224725', pixKeyType: 'CPF', comment: 'withdrawal' });
    expect(payout).toEqual({ correlationId: 'wd-1', status: 'completed', failure: null });
    expect(payments.get('wd-1')).toMatchObject({ value: 5000, destinationAlias: '52998224725', destinationAliasType: 'CPF' });
  });

  it("accepts a webhook signed with OpenPix's key; refuses a tampered, unsigned or otherwise-signed one; a repeat has the same id", async () => {
    const payload = { event: 'OPENPIX:CHARGE_COMPLETED', charge: { correlationID: 'dep-2', value: 700, status: 'COMPLETED' }, pix: { endToEndId: 'E123', value: 700 } };
    const genuine = webhook(payload);
    const notice = provider.verifyWebhook(genuine.raw, genuine.headers);
    expect(notice).toMatchObject({ event: 'charge_paid', correlationId: 'dep-2', cents: 700, endToEndId: 'E123' });
    expect(provider.verifyWebhook(genuine.raw, genuine.headers)?.id).toBe(notice!.id);
    const tampered = Buffer.from(genuine.raw.toString().replace('700', '70000'));
    expect(provider.verifyWebhook(tampered, genuine.headers)).toBeNull();
    expect(provider.verifyWebhook(genuine.raw, {})).toBeNull();
    expect(provider.verifyWebhook(genuine.raw, { 'x-webhook-signature': 'bm90IGEgc2lnbmF0dXJl' })).toBeNull();
    const forged = webhook(payload, other.privateKey);
    expect(provider.verifyWebhook(forged.raw, forged.headers)).toBeNull();
    expect(provider.verifyWebhook(webhook({ event: 'OPENPIX:CHARGE_EXPIRED', charge: { correlationID: 'dep-3', value: 5 } }).raw, {})).toBeNull();
    const expired = webhook({ event: 'OPENPIX:CHARGE_EXPIRED', charge: { correlationID: 'dep-3', value: 5 } });
    expect(provider.verifyWebhook(expired.raw, expired.headers)).toMatchObject({ event: 'charge_expired', correlationId: 'dep-3' });
  });

  it('with an HMAC secret configured, also requires X-OpenPix-Signature (HMAC-SHA1) to match', () => {
    const strict = new OpenPixProvider({ baseUrl: 'http://127.0.0.1:1', appId: 'x', publicKeyPem, hmacSecret: 'webhook-secret' });
    const signed = webhook({ event: 'OPENPIX:CHARGE_COMPLETED', charge: { correlationID: 'dep-4', value: 1 } });
    expect(strict.verifyWebhook(signed.raw, signed.headers)).toBeNull();
    const hmac = createHmac('sha1', 'webhook-secret').update(signed.raw).digest('base64');
    expect(strict.verifyWebhook(signed.raw, { ...signed.headers, 'x-openpix-signature': hmac })).toMatchObject({ correlationId: 'dep-4' });
    const wrong = createHmac('sha1', 'other').update(signed.raw).digest('base64');
    expect(strict.verifyWebhook(signed.raw, { ...signed.headers, 'x-openpix-signature': wrong })).toBeNull();
  });
});
