import Redis from 'ioredis';
import { collect, gql, signUp, wsClient } from '../harness/client';
import { REDIS_URL, busChannel } from '../harness/env';
import { rootAdmin } from '../harness/roles';
import { startReceiver, until, verifyTradegraphSignature } from '../harness/webhook-receiver';

// A price alert that fires reaches its owner's webhook endpoint through the whole system:
// trading records `alert.triggered` in its outbox with the firing, its relay hands it to accounts,
// accounts delivers it signed (the endpoint selects `alert.*`) — and the same firing arrives on
// the `alertTriggered` subscription. The other cases (each kind, re-arm, restart, gap) are in
// price-alerts.test.ts, on a system of its own.

// A market of this test's own (listed here), so no other test's prices cross its alerts.
const MARKET = 'SOL-BTC';

describe('alert.triggered webhooks', () => {
  const redis = new Redis(REDIS_URL);
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      {
        input: {
          base: 'SOL',
          quote: 'BTC',
          category: 'crypto',
          tickSize: '0.000001',
          lotSize: '0.01',
          minNotional: '0.0001',
          referencePrice: '0.0023',
        },
      },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
  });
  afterAll(async () => {
    await receiver.close();
    await redis.quit();
  });

  it("delivers a firing to the owner's endpoint, signed, once, with the price that crossed", async () => {
    const owner = await signUp();
    const created = await gql(
      'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
      { input: { url: receiver.url('/alerts'), events: ['alert.*'], description: 'alerts test' } },
      { token: owner.token },
    );
    expect(created.errors).toBeUndefined();
    const secret: string = created.data.createWebhookEndpoint.secret;

    const client = wsClient(owner.token);
    const sub = collect(client, 'subscription { alertTriggered { price alert { id status triggeredPrice } } }');
    const tick = (price: string) =>
      redis.publish(busChannel(`markets.price.${MARKET}`), JSON.stringify({ market: MARKET, price, at: new Date().toISOString() }));
    const add = async (threshold: string) => {
      const result = await gql(
        'mutation ($input: PriceAlertInput!) { addPriceAlert(input: $input) { id } }',
        { input: { market: MARKET, kind: 'ABOVE', threshold } },
        { token: owner.token },
      );
      return result.data?.addPriceAlert?.id as string | undefined;
    };
    /** An alert that fires at any price, fired by ticks until it shows on the subscription. */
    const marker = async () => {
      const id = await until('the market listed in trading', () => add('0.000001'));
      await until('the marker on the subscription', async () => {
        await tick('0.0023');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return sub.results.some((result) => result.data.alertTriggered.alert.id === id);
      });
      return id;
    };
    try {
      // Trading follows the market (listed through an event) and the subscription is open.
      await marker();
      const alertId = (await add('0.0025'))!;
      await tick('0.0026');
      await tick('0.003');
      const lastMarker = await marker();
      const firings = sub.results.map((result) => result.data.alertTriggered).filter((event) => event.alert.id === alertId);
      expect(firings).toEqual([{ price: '0.0026', alert: { id: alertId, status: 'triggered', triggeredPrice: '0.0026' } }]);

      const delivered = await until('the webhook delivery', () =>
        receiver.on('/alerts').find((request) => request.json.type === 'alert.triggered' && request.json.data.alert?.id === alertId),
      );
      expect(verifyTradegraphSignature(delivered.body, String(delivered.headers['tradegraph-signature']), secret)).toBe(true);
      expect(delivered.json.data).toMatchObject({
        price: '0.0026',
        alert: { id: alertId, market: MARKET, kind: 'ABOVE', threshold: '0.0025', timesTriggered: 1 },
      });
      await until('the marker webhook', () => receiver.on('/alerts').some((request) => request.json.data.alert?.id === lastMarker));
      // Deliveries are at least once: count distinct event ids.
      const ids = new Set(
        receiver
          .on('/alerts')
          .filter((request) => request.json.data.alert?.id === alertId)
          .map((request) => request.json.id),
      );
      expect(ids.size).toBe(1);
    } finally {
      await client.dispose();
    }
  });
});
