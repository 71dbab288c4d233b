/** Tests against real PostgreSQL and Redis started on loopback by the tests themselves. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/service'],
  testMatch: ['**/*.int.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
  },
  maxWorkers: 1,
  testTimeout: 120000,
};
