import { collect, gql, wsClient } from '../harness/client';
import { GATEWAY_HTTP } from '../harness/env';

// @defer: @apollo/gateway cannot execute a query plan with deferred parts (README, "@defer"), so
// the gateway refuses it with a stable code on every transport instead of "Unknown directive".
const DEFERRED = '{ markets(first: 1) { edges { node { symbol ... @defer { ticker { last } } } } } }';

describe('@defer', () => {
  it('is refused over HTTP POST with DEFER_NOT_SUPPORTED and status 400, nothing run', async () => {
    const response = await fetch(GATEWAY_HTTP, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;deferSpec=20220824, application/json' },
      body: JSON.stringify({ query: DEFERRED }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['DEFER_NOT_SUPPORTED']);
    expect(body.errors[0]!.message).toMatch(/@defer is not supported/);
  });

  it('is refused the same over GET, over graphql-ws, and for @stream', async () => {
    const get = await fetch(`${GATEWAY_HTTP}?query=${encodeURIComponent(DEFERRED)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(((await get.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)).toEqual(['DEFER_NOT_SUPPORTED']);
    expect((await gql('{ feeSchedule @stream { level } }')).errors?.map((e) => e.extensions?.code)).toEqual(['DEFER_NOT_SUPPORTED']);
    const client = wsClient();
    try {
      const stream = collect(client, DEFERRED);
      await stream.waitFor(1, 10_000);
      const errors = (stream.error as { extensions?: { code?: string } }[] | undefined) ?? stream.results[0]?.errors ?? [];
      expect(errors.map((e) => e.extensions?.code)).toEqual(['DEFER_NOT_SUPPORTED']);
    } finally {
      await client.dispose();
    }
  });

  it('the same query without @defer runs', async () => {
    const answer = await gql(DEFERRED.replace(' ... @defer { ticker { last } }', ' ticker { last }'));
    expect(answer.errors ?? []).toEqual([]);
  });
});
