// First: tracing patches http, pg and ioredis as they load (on only with OTEL_EXPORTER_OTLP_ENDPOINT; see shared/src/tracing.ts).
if (require.main === module) require('@tradegraph/shared/tracing').startTracing('funding');
import { runSubgraphProcess } from '@tradegraph/shared';
import { definition } from './subgraph';

export { definition };

if (require.main === module) runSubgraphProcess(definition);
