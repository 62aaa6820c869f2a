// Runs only the engine's unit and property tests, without the monorepo's global setup
// (which starts the whole system): npx jest -c subgraphs/matching/jest.engine.config.js
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testMatch: ['<rootDir>/test/engine/**/*.test.ts'],
  testTimeout: 120000,
};
