import type { SubgraphContext } from '@tradegraph/shared';
import type { AccountsServices } from '../app/services';
import type { AccountsLoaders } from '../infra/loaders';

/** A resolver's context in accounts: the shared one, with accounts' loaders and services. */
export type Context = SubgraphContext<AccountsLoaders, AccountsServices>;
