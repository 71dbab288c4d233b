import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfig, windowsOverlap } from '../../lib/config';

/** Loads with overrides and returns the ConfigError it throws (fails the test if none). */
function configError(overrides: unknown): ConfigError {
  try {
    loadConfig({ overrides });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

describe('config defaults', () => {
  test('GIVEN no overrides WHEN loaded THEN the shipped default is valid and offline-safe', () => {
    const { config } = loadConfig();
    expect(config.primary.account).toMatch(/^\d{12}$/);
    expect(config.primary.availabilityZones.length).toBeGreaterThanOrEqual(3);
    expect(config.dr.region).not.toBe(config.primary.region);
    expect(config.fleet.minPerAz).toBeGreaterThanOrEqual(2);
  });

  test('GIVEN CDK_DEFAULT_ACCOUNT WHEN loaded THEN both regions use that account', () => {
    const { config } = loadConfig({
      env: { CDK_DEFAULT_ACCOUNT: '222233334444' },
      overrides: { dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ' } },
    });
    expect(config.primary.account).toBe('222233334444');
    expect(config.dr.account).toBe('222233334444');
  });

  test('GIVEN a JSON file WHEN loaded THEN its values override the defaults and arrays replace', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'c.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        fleet: { minPerAz: 3, maxPerAz: 6, instanceTypes: ['c7g.large', 'c6g.large', 'm7g.large'] },
        dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
      }),
    );
    const { config } = loadConfig({ configFile: file, env: { CDK_DEFAULT_ACCOUNT: '222233334444' } });
    expect(config.fleet.minPerAz).toBe(3);
    expect(config.fleet.instanceTypes).toEqual(['c7g.large', 'c6g.large', 'm7g.large']);
    expect(config.fleet.targetRequestsPerInstance).toBe(DEFAULT_CONFIG.fleet.targetRequestsPerInstance);
  });

  test('GIVEN a file that is not JSON WHEN loaded THEN the error names the config file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'bad.json');
    fs.writeFileSync(file, '{ not json');
    expect(() => loadConfig({ configFile: file })).toThrow(/config = ".*bad\.json": is not valid JSON/);
    expect(() => loadConfig({ configFile: '/nonexistent/x.json' })).toThrow(/config = .*cannot read file/);
  });
});

describe('config validation: each rule names the field, the value and what is allowed', () => {
  test.each([
    [
      'fewer than 2 AZs',
      { primary: { availabilityZones: ['us-east-1a'] } },
      /primary\.availabilityZones = \["us-east-1a"\]: needs at least 2/,
    ],
    [
      'duplicate AZs',
      { dr: { availabilityZones: ['us-west-2a', 'us-west-2a'] } },
      /dr\.availabilityZones\[1\] = "us-west-2a": duplicate availability zone/,
    ],
    [
      'an AZ not in its region',
      { primary: { availabilityZones: ['us-east-1a', 'us-west-2b'] } },
      /primary\.availabilityZones\[1\] = "us-west-2b": must be an AZ of us-east-1/,
    ],
    ['minPerAz < 2', { fleet: { minPerAz: 1 } }, /fleet\.minPerAz = 1: must be at least 2/],
    [
      'maxPerAz < minPerAz',
      { fleet: { minPerAz: 4, maxPerAz: 3 } },
      /fleet\.maxPerAz = 3: must exceed fleet\.minPerAz \(4\)/,
    ],
    [
      'maxPerAz equal to minPerAz',
      { fleet: { minPerAz: 3, maxPerAz: 3 } },
      /fleet\.maxPerAz = 3: must exceed fleet\.minPerAz \(3\): a rolling update/,
    ],
    [
      'DR region equal to primary',
      { dr: { region: 'us-east-1', availabilityZones: ['us-east-1a', 'us-east-1b'] } },
      /dr\.region = "us-east-1": must differ from primary\.region/,
    ],
    [
      'accounts differ',
      { dr: { account: '999999999999' } },
      /dr\.account = "999999999999": must equal primary\.account \(111111111111\): Aurora Global Database/,
    ],
    [
      'malformed account id',
      { primary: { account: '1234' } },
      /primary\.account = "1234": must be a 12-digit AWS account id/,
    ],
    [
      'malformed hosted zone id',
      { dns: { hostedZoneId: 'not-a-zone' } },
      /dns\.hostedZoneId = "not-a-zone": must be a Route 53 hosted zone id/,
    ],
    [
      'unknown key',
      { fleet: { minPerAZ: 2 } },
      /fleet\.minPerAZ = \["minPerAZ"\]: unknown key in fleet; allowed keys: instanceTypes, minPerAz/,
    ],
    ['unknown top-level key', { colour: 'blue' }, /colour = \["colour"\]: unknown key in \(root\)/],
    [
      'only one instance type',
      { fleet: { instanceTypes: ['m7g.large'] } },
      /fleet\.instanceTypes = \["m7g\.large"\]: needs at least 2 instance types/,
    ],
    [
      'health-check interval not 10/30',
      { dns: { healthCheck: { requestIntervalSeconds: 20 } } },
      /dns\.healthCheck\.requestIntervalSeconds = 20: must be 10 or 30/,
    ],
    [
      'failure threshold above 10',
      { dns: { healthCheck: { failureThreshold: 11 } } },
      /dns\.healthCheck\.failureThreshold = 11: must be 1-10/,
    ],
    [
      'failure threshold below 1',
      { dns: { healthCheck: { failureThreshold: 0 } } },
      /dns\.healthCheck\.failureThreshold = 0: must be 1-10/,
    ],
    [
      'fewer than 3 checker regions',
      { dns: { healthCheck: { checkerRegions: ['us-east-1'] } } },
      /dns\.healthCheck\.checkerRegions = \["us-east-1"\]: must list at least 3/,
    ],
    [
      'record name outside the zone',
      { dns: { recordName: 'app.example.org' } },
      /dns\.recordName = "app\.example\.org": must be inside the hosted zone example\.com/,
    ],
    [
      'writerRegion not in the pair',
      { writerRegion: 'eu-west-1' },
      /writerRegion = "eu-west-1": must be primary\.region \(us-east-1\) or dr\.region \(us-west-2\)/,
    ],
    [
      'ALB health-check interval out of 5-10',
      { fleet: { healthCheckIntervalSeconds: 30 } },
      /fleet\.healthCheckIntervalSeconds = 30: must be 5-10 s/,
    ],
    [
      'cache maintenance window overlapping snapshots',
      { cache: { snapshotWindow: '05:00-06:00', maintenanceWindow: 'sun:05:30-sun:06:30' } },
      /cache\.maintenanceWindow = "sun:05:30-sun:06:30": must not overlap cache\.snapshotWindow/,
    ],
    [
      'a cache token grace shorter than three service secret re-reads',
      { cache: { authTokenGraceMinutes: 10 } },
      /cache\.authTokenGraceMinutes = 10: must be at least 15 minutes/,
    ],
    [
      'a cache token rotation interval out of 1-365 days',
      { cache: { authTokenRotationDays: 0 } },
      /cache\.authTokenRotationDays = 0/,
    ],
    [
      'a cache token grace as long as the rotation interval',
      { cache: { authTokenRotationDays: 1, authTokenGraceMinutes: 1440 } },
      /cache\.authTokenGraceMinutes = 1440: must be shorter than cache\.authTokenRotationDays \(1 day\(s\)\)/,
    ],
  ])('rejects %s', (_name, overrides, message) => {
    expect(configError(overrides).message).toMatch(message);
  });

  test('GIVEN several bad fields WHEN loaded THEN one error lists every one of them', () => {
    const error = configError({
      fleet: { minPerAz: 1, instanceTypes: ['m7g.large'] },
      primary: { account: 'x' },
    });
    const paths = error.problems.map((p) => p.path).sort();
    expect(paths).toEqual(['fleet.instanceTypes', 'fleet.minPerAz', 'primary.account']);
    expect(error.message).toMatch(/^Invalid config \(3 problems\); nothing was synthesized/);
  });

  test('GIVEN a shape error and a cross-field error WHEN loaded THEN both are reported together', () => {
    // The README's example: a schema range and a rule across fields, in one error.
    const error = configError({ fleet: { minPerAz: 1 }, dr: { account: '999999999999' } });
    expect(error.problems.map((p) => p.path)).toEqual(['fleet.minPerAz', 'dr.account']);
    expect(error.message).toMatch(/^Invalid config \(2 problems\)/);
  });

  test('GIVEN a field of a cross-field rule is malformed WHEN loaded THEN only its schema error is reported', () => {
    // fleet.maxPerAz > minPerAz cannot be judged against a minPerAz that is not a number.
    const error = configError({ fleet: { minPerAz: 'two', maxPerAz: 3 } });
    expect(error.problems).toEqual([expect.objectContaining({ path: 'fleet.minPerAz', value: 'two' })]);
  });
});

describe('maintenance/snapshot window overlap', () => {
  test.each([
    ['03:00-04:00', 'sun:05:00-sun:06:00', false],
    ['03:00-04:00', 'mon:03:30-mon:04:30', true],
    ['23:30-00:30', 'tue:00:00-tue:01:00', true],
    ['23:30-00:30', 'tue:01:00-tue:02:00', false],
    ['03:00-04:00', 'sat:23:00-sun:03:00', false],
    ['03:00-04:00', 'sat:23:00-sun:03:01', true],
  ])('daily %s vs weekly %s overlap = %s', (daily, weekly, expected) => {
    expect(windowsOverlap(daily, weekly)).toBe(expected);
  });
});
