import { ConfigError, DEFAULT_CONFIG, drFleetMinPerAz, loadConfig } from '../../lib/config';

function problems(overrides: unknown): string[] {
  try {
    loadConfig({ overrides });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('drStrategy profiles (config)', () => {
  test('GIVEN no drStrategy WHEN loaded THEN it is warm-standby and DR keeps the production shape', () => {
    const { config } = loadConfig();
    expect(config.drStrategy).toBe('warm-standby');
    expect(drFleetMinPerAz(config)).toBe(config.fleet.minPerAz);
    expect(config.database.drInstances).toBeGreaterThanOrEqual(1);
  });

  test('GIVEN pilot-light WHEN loaded THEN DR rests below production: fewer instances per AZ, a headless secondary, a smaller cache', () => {
    const { config } = loadConfig({ overrides: { drStrategy: 'pilot-light' } });
    expect(drFleetMinPerAz(config)).toBeLessThan(config.fleet.minPerAz);
    expect(config.database.drInstances).toBe(0);
    expect(config.drCapacity.cacheNodeType).not.toBe(config.cache.nodeType);
    // The primary is untouched.
    expect(config.fleet).toEqual(DEFAULT_CONFIG.fleet);
    expect(config.database.readers).toBe(DEFAULT_CONFIG.database.readers);
  });

  test('GIVEN pilot-light and the user restating a default WHEN loaded THEN the user value wins over the profile', () => {
    const { config } = loadConfig({
      overrides: {
        drStrategy: 'pilot-light',
        database: { drInstances: DEFAULT_CONFIG.database.drInstances },
      },
    });
    expect(config.database.drInstances).toBe(DEFAULT_CONFIG.database.drInstances);
  });

  test('GIVEN minimal WHEN loaded THEN it is smaller than the default and still inside every in-region minimum', () => {
    const { config } = loadConfig({ overrides: { drStrategy: 'minimal' } });
    expect(config.primary.availabilityZones.length).toBeLessThan(
      DEFAULT_CONFIG.primary.availabilityZones.length,
    );
    expect(config.primary.availabilityZones.length).toBeGreaterThanOrEqual(2);
    expect(config.fleet.minPerAz).toBeGreaterThanOrEqual(2);
    expect(config.database.readers).toBeGreaterThanOrEqual(1);
    expect(config.database.drInstances).toBeGreaterThanOrEqual(1);
    expect(config.cache.shards).toBeGreaterThanOrEqual(2);
    expect(config.cache.replicasPerShard).toBeGreaterThanOrEqual(1);
    expect(config.database.proxy).toBe(false);
  });

  test('GIVEN minimal with the user’s own AZs WHEN loaded THEN the user’s list is kept', () => {
    const azs = ['us-east-1a', 'us-east-1b', 'us-east-1d'];
    const { config } = loadConfig({
      overrides: { drStrategy: 'minimal', primary: { availabilityZones: azs } },
    });
    expect(config.primary.availabilityZones).toEqual(azs);
  });

  test.each([
    [
      'a headless secondary',
      { database: { drInstances: 0 } },
      /database\.drInstances: .*unless drStrategy is pilot-light/,
    ],
    [
      'a DR fleet below minPerAz',
      { drCapacity: { fleetMinPerAz: 1 } },
      /drCapacity\.fleetMinPerAz: .*unless drStrategy is pilot-light/,
    ],
  ])(
    'GIVEN warm-standby with %s WHEN loaded THEN it is refused (only pilot light relaxes DR capacity)',
    (_, overrides, message) => {
      expect(problems(overrides).join('\n')).toMatch(message);
    },
  );

  test('GIVEN an unknown drStrategy WHEN loaded THEN the field and the allowed values are named', () => {
    expect(problems({ drStrategy: 'backup-restore' }).join('\n')).toMatch(
      /drStrategy: must be one of warm-standby, pilot-light, minimal/,
    );
  });
});
