/**
 * `npm run test:integration`: tests that run other programs against the app: the real CDK CLI
 * offline, cfn-lint, cfn-guard, actionlint, `npm run report`, and real PostgreSQL and Redis started
 * on loopback by the tests themselves (the service's, the drill's). One file at a time: the servers'
 * timings must not compete with each other.
 */
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
