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
