import { Migration20261121000001 } from './migrations/Migration20261121000001';
import { Migration20261121300001 } from './migrations/Migration20261121300001';
import { Migration20261121400001 } from './migrations/Migration20261121400001';
export * from './entities';
export * from './loaders';
export * from './audit';
export * from './kyc';
export * from './session-entities';
export const migrations = [Migration20261121000001, Migration20261121300001, Migration20261121400001];
