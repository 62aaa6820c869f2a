// First: tracing patches http, pg and ioredis as they load (on only with OTEL_EXPORTER_OTLP_ENDPOINT; see shared/src/tracing.ts).
if (require.main === module) require('@tradegraph/shared/tracing').startTracing('gateway');
import { createLogger, stopOnSignals } from '@tradegraph/shared';
import { startGateway } from './server';

export { startGateway };

if (require.main === module) {
  startGateway().then(
    (gateway) => stopOnSignals(() => gateway.stop(), createLogger('gateway')),
    (error: unknown) => {
      createLogger('gateway').fatal({ err: error }, 'gateway failed to start');
      process.exit(1);
    },
  );
}
