import { Migration20261121000001 } from './migrations/Migration20261121000001';
import { Migration20261121000002 } from './migrations/Migration20261121000002';
import { Migration20261207000001 } from './migrations/Migration20261207000001';
export * from './entities';
export * from './loaders';
export const migrations = [Migration20261121000001, Migration20261121000002, Migration20261207000001];
export * from './volumes';
