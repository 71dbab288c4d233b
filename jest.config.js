/**
 * `npm test`: this repository's code in process (config, synthesized templates, invariants, packs,
 * Lambdas, service units). Tests that run other programs against it (the CDK CLI, cfn-lint,
 * cfn-guard, actionlint, real servers) are `*.int.test.ts`: jest.integration.config.js.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/lambda', '<rootDir>/service'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$'],
  // Transpile only: ts-jest takes `isolatedModules: true` from tsconfig.json (which tsconfig.test.json
  // extends) and then compiles each file alone, without the TypeScript language service. Type
  // checking is `npm run build` (tsc on tsconfig.json and tsconfig.test.json).
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
  },
  // Synth-heavy test files run in parallel on both cores.
  maxWorkers: 2,
  testTimeout: 60000,
  // One temporary directory per run, removed at the end; the SDK's Node-version notice off; the
  // default app synthesized once for the tests that only read its templates (defaultApp()).
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
};
