// Two jest projects (docs/architecture.md, "Tests"):
// - unit: each package's own tests in `<package>/test`, which need no service (no PostgreSQL,
//   Redis or running process): `npm run test:unit`, seconds.
// - e2e: `test/e2e`, against the whole system on real PostgreSQL and Redis, which the global
//   setup starts (only when an e2e test is selected).
// `npm test` runs both.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': swc },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{shared,gateway,schema,launcher}/test/**/*.test.ts', '<rootDir>/subgraphs/*/test/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.js',
      globalTeardown: '<rootDir>/test/harness/global-teardown.js',
    },
  ],
  testTimeout: 120000,
  maxWorkers: 2,
};
