export * from './entities';
export * from './loaders';
export { migrations } from './migrations';
