import { Migration20261121000001 } from './migrations/Migration20261121000001';
import { Migration20261207000001 } from './migrations/Migration20261207000001';
import { Migration20261207200001 } from './migrations/Migration20261207200001';
export * from './entities';
export * from './loaders';
export * from './alerts';
export * from './listed-markets';
export const migrations = [Migration20261121000001, Migration20261207000001, Migration20261207200001];
