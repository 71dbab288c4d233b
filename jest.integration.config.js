/** Tests against real PostgreSQL and Redis started on loopback by the tests themselves (the service's, the drill's). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/service', '<rootDir>/test'],
  testMatch: ['**/*.int.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
  },
  maxWorkers: 1,
  testTimeout: 120000,
};
