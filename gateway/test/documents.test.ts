import { buildSchema } from 'graphql';
import { OperationDocuments } from '../src/cache/documents';

const schema = buildSchema('type Query { a: Int } type Subscription { tick(market: String!): Int }');

describe('OperationDocuments', () => {
  it('parses and validates a text once and hands every caller the same document', () => {
    const documents = new OperationDocuments(schema);
    const query = 'subscription ($m: String!) { tick(market: $m) }';
    const first = documents.get(query);
    const second = documents.get(query);
    expect('document' in first && 'document' in second && first.document === second.document).toBe(true);
    if ('document' in first) expect(documents.textOf(first.document)).toBe('subscription ($m: String!) {\n  tick(market: $m)\n}');
  });

  it('answers parse and validation failures with their codes, as before', () => {
    const documents = new OperationDocuments(schema);
    const broken = documents.get('subscription {');
    expect('errors' in broken && broken.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = documents.get('subscription { noSuchField }');
    expect('errors' in invalid && invalid.errors.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses @defer and @stream with DEFER_NOT_SUPPORTED (HTTP 400), not as an unknown directive', () => {
    const documents = new OperationDocuments(schema);
    for (const query of ['{ ... @defer { a } }', '{ ... @defer(label: "slow") { a } }', 'query { a @stream }', 'fragment F on Query { a } { ...F @defer }']) {
      const answer = documents.get(query);
      expect({ query, errors: 'errors' in answer ? answer.errors.map((e) => [e.extensions.code, e.extensions.http]) : [] }).toEqual({
        query,
        errors: [['DEFER_NOT_SUPPORTED', { status: 400 }]],
      });
    }
    expect('document' in documents.get('{ a @include(if: true) }')).toBe(true);
  });

  it('keeps at most maxEntries texts', () => {
    const documents = new OperationDocuments(schema, 1);
    const a = documents.get('{ a }');
    documents.get('query Other { a }');
    const again = documents.get('{ a }');
    expect('document' in a && 'document' in again && a.document !== again.document).toBe(true);
  });

  it('gives operations that differ only in name, spacing or the operations beside them one shape, and different selections different ones', () => {
    const documents = new OperationDocuments(schema);
    const shape = (query: string, operationName?: string) => {
      const prepared = documents.get(query);
      if (!('document' in prepared)) throw new Error(JSON.stringify(prepared.errors));
      return documents.shapeOf(prepared.document, operationName);
    };
    const plain = shape('subscription ($m: String!) { tick(market: $m) }');
    expect(shape('subscription Ticks($m: String!) {\n  tick( market: $m )\n}')).toBe(plain);
    expect(shape('subscription Mobile($m: String!) { tick(market: $m) } query Other { a }', 'Mobile')).toBe(plain);
    expect(shape('subscription Mobile($m: String!) { tick(market: $m) } query Other { a }', 'Other')).not.toBe(plain);
    // A different variable name, an alias: the events would look different.
    expect(shape('subscription ($market: String!) { tick(market: $market) }')).not.toBe(plain);
    expect(shape('subscription ($m: String!) { last: tick(market: $m) }')).not.toBe(plain);
    // Fragments count, whatever the operation is called.
    const withFragment = shape('subscription A { ...T } fragment T on Subscription { tick(market: "X") }');
    expect(shape('subscription B { ...T }\nfragment T on Subscription { tick(market: "X") }')).toBe(withFragment);
    expect(shape('subscription B { ...T } fragment T on Subscription { tick(market: "Y") }')).not.toBe(withFragment);
  });
});
