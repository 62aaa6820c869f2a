import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  FeeScheduleDocument,
  LoginDocument,
  MarketsDocument,
  MeDocument,
  MyBalancesDocument,
  PriceUpdatedDocument,
  SignUpDocument,
} from '../../schema/client/generated/graphql';
import Redis from 'ioredis';
import { collect, eventually, gql, publishUntil, wsClient } from '../harness/client';
import { REDIS_URL, busChannel } from '../harness/env';
import { rootAdmin } from '../harness/roles';

// A market of this file's own, so the prices published here reach no other test's subscriber.
const MARKET = 'SPX-EUR';

// The generated typed client (schema/client/generated, from schema/codegen.cjs) against the
// running gateway: its documents are the public operations integrators copy, so they must run.
async function run<R, V extends Record<string, unknown>>(document: TypedDocumentNode<R, V>, variables: V, token?: string): Promise<R> {
  const answer = await gql<R>(print(document), variables, { token });
  expect(answer.errors ?? []).toEqual([]);
  return answer.data as R;
}

describe('typed client documents through the gateway', () => {
  it('market data: Markets and FeeSchedule run anonymously and answer the generated shapes', async () => {
    const markets = await run(MarketsDocument, { first: 5 });
    const btc = markets.markets.edges.map((e) => e.node).find((m) => m.symbol === 'BTC-USDT');
    expect(btc).toMatchObject({ baseAsset: { symbol: 'BTC' }, quoteAsset: { symbol: 'USDT' } });
    expect(typeof btc?.fees.maker).toBe('string'); // Decimal is a string, never a float
    const schedule = await run(FeeScheduleDocument, {});
    expect(schedule.feeSchedule[0]).toMatchObject({ level: 0 });
  });

  it('account and trading: SignUp, Login, Me and MyBalances with the token', async () => {
    const email = `typed-${randomUUID()}@example.com`;
    const password = 'correct horse battery staple';
    const signedUp = await run(SignUpDocument, { email, password });
    expect(signedUp.signUp.user.email).toBe(email);
    const login = await run(LoginDocument, { email, password });
    if (login.login.__typename !== 'AuthPayload') throw new Error('expected tokens, not a 2FA challenge');
    const token = login.login.accessToken;
    const me = await run(MeDocument, {}, token);
    expect(me.me).toMatchObject({ email, feeTier: { level: 0 } });
    expect(Array.isArray((await run(MyBalancesDocument, {}, token)).myBalances)).toBe(true);
  });

  it('a subscription document (PriceUpdated) streams over graphql-ws', async () => {
    const admin = await rootAdmin();
    const listed = await gql(
      'mutation ($input: AddMarketInput!) { addMarket(input: $input) { symbol } }',
      { input: { base: 'SPX', quote: 'EUR', category: 'crypto', tickSize: '0.01', lotSize: '0.01', minNotional: '1', referencePrice: '5000' } },
      { token: admin.token },
    );
    expect(listed.errors ?? []).toEqual([]);
    await eventually(async () => {
      const answer = await gql('query ($m: String!) { market(symbol: $m) { symbol } }', { m: MARKET });
      if (!answer.data?.market) throw new Error('not listed yet');
    });
    const client = wsClient();
    const redis = new Redis(REDIS_URL);
    try {
      const variables: { markets: string[]; initial: boolean } = { markets: [MARKET], initial: false };
      const stream = collect(client, print(PriceUpdatedDocument), variables);
      await publishUntil(redis, busChannel(`markets.price.${MARKET}`), { market: MARKET, price: '5001.5', at: new Date().toISOString() }, () => stream.results.length);
      expect(stream.error).toBeUndefined();
      expect(stream.results[0]?.errors).toBeUndefined();
      expect(stream.results[0]?.data?.priceUpdated).toMatchObject({ price: '5001.5', market: { symbol: MARKET } });
      stream.unsubscribe();
    } finally {
      await client.dispose();
      redis.disconnect();
    }
  });
});
