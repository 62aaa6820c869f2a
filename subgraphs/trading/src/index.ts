import { runSubgraphProcess } from '@tradegraph/shared';
import { definition } from './subgraph';

export { definition };

if (require.main === module) runSubgraphProcess(definition);
