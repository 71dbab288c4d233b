import { ConfigError, loadConfig } from '../../lib/config';

/**
 * Data-tier config validation (INV-DB, INV-CACHE): each weakening override is refused with an
 * error naming the field and the value, before any construct exists.
 */

function problemsFor(overrides: unknown): ConfigError {
  try {
    loadConfig({ overrides });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(overrides)} to be refused`);
}

test.each([
  ['database.readers', { database: { readers: 0 } }, /database\.readers = 0: must be at least 1/],
  ['cache.shards', { cache: { shards: 1 } }, /cache\.shards = 1: must be at least 2/],
  [
    'cache.replicasPerShard',
    { cache: { replicasPerShard: 0 } },
    /cache\.replicasPerShard = 0: must be at least 1/,
  ],
  [
    'database.backupRetentionDays',
    { database: { backupRetentionDays: 6 } },
    /database\.backupRetentionDays = 6: must be at least 7 days/,
  ],
  [
    'database.engineVersion',
    { database: { engineVersion: '15.4' } },
    /database\.engineVersion = "15\.4": must be an Aurora PostgreSQL version with Global Database support/,
  ],
  ['database.drInstances', { database: { drInstances: 0 } }, /database\.drInstances = 0: must be at least 1/],
])(
  'GIVEN %s outside what the invariants allow WHEN loaded THEN a ConfigError names the field',
  (field, overrides, message) => {
    const error = problemsFor(overrides);
    expect(error.message).toMatch(message);
    expect(error.problems.map((p) => p.path)).toEqual([field]);
  },
);

test('GIVEN several data-tier fields wrong at once THEN every one is reported in one error', () => {
  const error = problemsFor({ database: { readers: 0, drInstances: -1 }, cache: { shards: 1 } });
  expect(error.problems.map((p) => p.path).sort()).toEqual([
    'cache.shards',
    'database.drInstances',
    'database.readers',
  ]);
});

test('GIVEN drInstances = 1 WHEN loaded THEN it is accepted with a warning about the missing in-region standby', () => {
  const { config, warnings } = loadConfig({ overrides: { database: { drInstances: 1 } } });
  expect(config.database.drInstances).toBe(1);
  expect(warnings).toEqual([expect.stringMatching(/^database\.drInstances = 1: .*no in-region standby/)]);
});

test('GIVEN the default config THEN the data tier loads without warnings', () => {
  expect(loadConfig().warnings).toEqual([]);
});

test('GIVEN an engine version the schema accepts THEN 16.x and 17.x Global Database versions load', () => {
  for (const engineVersion of ['16.4', '17.4']) {
    expect(loadConfig({ overrides: { database: { engineVersion } } }).config.database.engineVersion).toBe(
      engineVersion,
    );
  }
});
