import { Migration20261121000001 } from './migrations/Migration20261121000001';
export * from './entities';
export * from './loaders';
export const migrations = [Migration20261121000001];
