import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { LifiRefusal, LifiSwap, backoffMs, retryAfterMs } from '../src/infra/lifi-swap';

describe('LI-FI requests', () => {
  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5000);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('backs off exponentially with jitter, within [half, whole] of the doubled pause, at most 30 s', () => {
    expect(backoffMs(500, 1, () => 0)).toBe(250);
    expect(backoffMs(500, 1, () => 1)).toBe(500);
    expect(backoffMs(500, 4, () => 1)).toBe(4000);
    expect(backoffMs(500, 4, () => 0)).toBe(2000);
    expect(backoffMs(500, 30, () => 1)).toBe(30_000);
  });

  describe('against an HTTP server', () => {
    let answers: { status: number; headers?: Record<string, string>; body: unknown }[] = [];
    const seen: { url: string; key: string | undefined }[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url!, key: req.headers['x-lifi-api-key'] as string | undefined });
      const answer = answers.shift() ?? { status: 200, body: { ok: true } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
    let lifi: LifiSwap;
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const settings = { url, apiKey: 'k-1', integrator: 'tradegraph', slippage: 0.005, waitMs: 1000, backoffMs: 5, attempts: 4, pollMs: 10 };
      // Only the HTTP part is used here: no database, no keys, no chains.
      lifi = new LifiSwap(null as never, null as never, new Map(), 'arbitrum', settings, pino({ level: 'silent' }));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      seen.length = 0;
    });

    it('retries 429 (after Retry-After) and 5xx, then answers, sending the API key every time', async () => {
      answers = [
        { status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow down' } },
        { status: 503, body: { message: 'away' } },
        { status: 200, body: { status: 'DONE' } },
      ];
      const started = Date.now();
      await expect(lifi.get('/v1/status', { txHash: '0xabc' })).resolves.toEqual({ status: 'DONE' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(seen).toHaveLength(3);
      expect(seen.every((s) => s.key === 'k-1' && s.url === '/v1/status?txHash=0xabc')).toBe(true);
    });

    it('gives up after its attempts, and does not retry a refusal (4xx)', async () => {
      answers = Array.from({ length: 4 }, () => ({ status: 500, body: { message: 'broken' } }));
      await expect(lifi.get('/v1/quote', {})).rejects.toThrow('LI-FI answered 500');
      expect(seen).toHaveLength(4);
      seen.length = 0;
      answers = [{ status: 404, body: { message: 'No available quotes', code: 1002 } }];
      await expect(lifi.get('/v1/quote', {})).rejects.toBeInstanceOf(LifiRefusal);
      expect(seen).toHaveLength(1);
    });
  });
});
