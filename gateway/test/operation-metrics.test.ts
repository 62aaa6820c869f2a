import { Registry } from 'prom-client';
import { OperationMetrics } from '../src/ops/operation-metrics';

/** A sample of the registry's text output: the first line of `name` containing `labels`, or 0. */
async function sample(registry: Registry, name: string, labels: string): Promise<number> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('OperationMetrics', () => {
  it('counts operations by name and type, their latency, and each error code once per operation', async () => {
    const registry = new Registry();
    const metrics = new OperationMetrics(registry, 10);
    metrics.record({ name: 'Markets', type: 'query', seconds: 0.002 });
    metrics.record({ name: 'Markets', type: 'query', seconds: 0.2 });
    metrics.record({
      name: 'Place',
      type: 'mutation',
      seconds: 0.01,
      errors: [{ extensions: { code: 'INSUFFICIENT_FUNDS' } }, { extensions: { code: 'INSUFFICIENT_FUNDS' } }, { extensions: {} }],
    });
    expect(await sample(registry, 'gateway_operations_total', 'operation="Markets",type="query"')).toBe(2);
    expect(await sample(registry, 'gateway_operation_duration_seconds_count', 'operation="Markets",type="query"')).toBe(2);
    expect(await sample(registry, 'gateway_operation_duration_seconds_bucket', 'le="0.0025",operation="Markets",type="query"')).toBe(1);
    expect(await sample(registry, 'gateway_operation_errors_total', 'operation="Place",type="mutation",code="INSUFFICIENT_FUNDS"')).toBe(1);
    // An error without a code is what Apollo Server calls it.
    expect(await sample(registry, 'gateway_operation_errors_total', 'operation="Place",type="mutation",code="INTERNAL_SERVER_ERROR"')).toBe(1);
    expect(await sample(registry, 'gateway_operation_errors_total', 'operation="Markets"')).toBe(0);
  });

  it('keeps label values bounded: anonymous, unknown and names past the cap collapse', async () => {
    const registry = new Registry();
    const metrics = new OperationMetrics(registry, 3);
    metrics.record({ name: null, type: 'query', seconds: 0 });
    metrics.record({ name: undefined, type: 'unknown', seconds: 0, errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    metrics.record({ name: 'not a name; {}', type: 'query', seconds: 0 });
    for (let i = 0; i < 10; i++) metrics.record({ name: `Op${i}`, type: 'query', seconds: 0 });
    metrics.record({ name: 'Op1', type: 'query', seconds: 0 });
    // Error codes are bounded too: odd ones are OTHER.
    metrics.record({ name: 'Op0', type: 'query', seconds: 0, errors: [{ extensions: { code: 'bad code with spaces' } }] });
    const text = await registry.metrics();
    expect(await sample(registry, 'gateway_operations_total', 'operation="(anonymous)"')).toBe(1);
    expect(await sample(registry, 'gateway_operations_total', 'operation="(unknown)",type="unknown"')).toBe(1);
    expect(await sample(registry, 'gateway_operations_total', 'operation="(unknown)",type="query"')).toBe(1);
    expect(await sample(registry, 'gateway_operations_total', 'operation="Op1"')).toBe(2);
    expect(await sample(registry, 'gateway_operations_total', 'operation="(other)"')).toBe(7);
    expect(text).not.toContain('Op3');
    expect(await sample(registry, 'gateway_operation_errors_total', 'operation="Op0",type="query",code="OTHER"')).toBe(1);
    expect(await sample(registry, 'gateway_operation_errors_total', 'code="GRAPHQL_PARSE_FAILED"')).toBe(1);
  });

  it("names the operation a cached query text runs from the document, once per text", () => {
    const metrics = new OperationMetrics(new Registry());
    expect(metrics.nameOf('query Markets { markets { symbol } }', undefined)).toBe('Markets');
    expect(metrics.nameOf('{ markets { symbol } }', null)).toBeNull();
    expect(metrics.nameOf('fragment F on Market { symbol } query Listing { markets { ...F } }', null)).toBe('Listing');
    expect(metrics.nameOf('query A { a } query B { b }', 'B')).toBe('B');
    expect(metrics.nameOf('query {', undefined)).toBeUndefined();
  });
});
