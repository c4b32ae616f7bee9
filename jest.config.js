/** Tests run against real Postgres and Redis; the global setup makes sure both answer. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The README's examples import the package by name; here that is this repository's source.
  moduleNameMapper: {
    '^nestjs-durable-workflow$': '<rootDir>/src/index.ts',
    '^nestjs-durable-workflow/(engine|testing)$': '<rootDir>/src/$1.ts',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
