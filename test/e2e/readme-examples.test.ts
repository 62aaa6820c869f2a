import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, OperationTypeNode, parse, print, validate, type DefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { GATEWAY_URL } from '../harness/env';
import { collect, gql, wsClient } from '../harness/client';

// The README's GraphQL examples are what integrators paste first: every one must be valid against
// the supergraph the gateway serves, and the everyday ones (sign up, market data, trading, alerts)
// must run as written against the real system.
const ROOT = path.resolve(__dirname, '..', '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);

function apiSchema(): GraphQLSchema {
  return Supergraph.build(readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8')).apiSchema().toGraphQLJSSchema();
}

/** Each operation of a block alone, with the comment at the end of its last line (`# admin`, …). */
function operationsOf(block: string): { operation: OperationDefinitionNode; text: string; note: string }[] {
  return parse(block).definitions.map((definition: DefinitionNode) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) throw new Error(`not an operation: ${print(definition)}`);
    const lineEnd = block.indexOf('\n', definition.loc!.end);
    const rest = block.slice(definition.loc!.end, lineEnd < 0 ? undefined : lineEnd);
    return { operation: definition, text: print(definition), note: /#(.*)$/.exec(rest)?.[1]?.trim() ?? '' };
  });
}

describe('README examples', () => {
  it('every GraphQL example in the README is valid against the supergraph', () => {
    const schema = apiSchema();
    expect(BLOCKS.length).toBeGreaterThan(10);
    const invalid: string[] = [];
    let count = 0;
    for (const block of BLOCKS) {
      for (const { operation, text } of operationsOf(block)) {
        count += 1;
        const errors = validate(schema, { kind: Kind.DOCUMENT, definitions: [operation] });
        if (errors.length > 0) invalid.push(`${text.slice(0, 120)}: ${errors.map((e) => e.message).join('; ')}`);
      }
    }
    expect(count).toBeGreaterThan(50);
    expect(invalid).toEqual([]);
  });

  it('the everyday examples run as written through the gateway: sign up, me, market data, trading, alerts', async () => {
    // The blocks a newcomer runs top to bottom, picked by what they show. Operations left out: those
    // with a placeholder to fill in ("…", "<…>") other than an id the previous answer gives, and
    // those noted `# admin`. The sign-up email is made unique so the test can run again on one database.
    const runnable = BLOCKS.filter((block) => /signUp\(|\{ me \{|placeOrder\(|markets\(category|candles\(|addPriceAlert\(/.test(block));
    expect(runnable).toHaveLength(7);
    let token = '';
    let lastId: string | undefined;
    const ran: string[] = [];
    const failures: string[] = [];
    for (const block of runnable) {
      for (const { operation, note } of operationsOf(block)) {
        let text = print(operation).replace('ada@example.com', `ada-${randomUUID()}@example.com`);
        if (/^admin\b/.test(note)) continue;
        if (/id: "…"/.test(text) && lastId) text = text.replace(/id: "…"/, `id: ${JSON.stringify(lastId)}`);
        if (/…|"<[^"]*>"/.test(text)) continue;
        ran.push(text);
        if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
          const client = wsClient(token);
          const sub = collect(client, text);
          // Accepted means no refusal: either a first event (those with an initial value) or silence.
          await sub.waitFor(1, 1000).catch(() => undefined);
          if (sub.error !== undefined || sub.results.some((result) => result.errors)) {
            failures.push(`${text}: ${JSON.stringify(sub.error ?? sub.results.find((result) => result.errors)?.errors)}`);
          }
          sub.unsubscribe();
          await client.dispose();
          continue;
        }
        const answer = await gql(text, {}, { token });
        if (answer.errors) failures.push(`${text}: ${JSON.stringify(answer.errors)}`);
        const root = answer.data ? Object.values(answer.data)[0] : undefined;
        if (root && typeof root === 'object' && 'id' in (root as object)) lastId = String((root as { id: unknown }).id);
        if (answer.data?.signUp) token = answer.data.signUp.accessToken;
      }
    }
    expect(failures).toEqual([]);
    // The examples that matter most did run.
    for (const field of ['signUp', 'feeSchedule', 'creditDemoFunds', 'placeOrder', 'amendOrder', 'cancelOrder', 'priceUpdated', 'addPriceAlert', 'candles']) {
      expect(ran.some((text) => text.includes(field))).toBe(true);
    }
  });

  it('SIWE names the address the README and the start-up line tell people to open', async () => {
    const { siweNonce } = (await gql('mutation { siweNonce { domain uri } }')).data;
    expect(README).toContain('open http://127.0.0.1:4000/');
    // The test system's gateway listens on its own port; the host is the one people are told to open.
    expect(siweNonce.domain).toBe(new URL(GATEWAY_URL).host);
    expect(siweNonce.uri).toBe(GATEWAY_URL);
  });
});
