import { createLogger } from '@tradegraph/shared';
import { startGateway } from './server';

export { startGateway };

if (require.main === module) {
  startGateway().then(
    (gateway) => {
      const shutdown = () => void gateway.stop().finally(() => process.exit(0));
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (error: unknown) => {
      createLogger('gateway').fatal({ err: error }, 'gateway failed to start');
      process.exit(1);
    },
  );
}
