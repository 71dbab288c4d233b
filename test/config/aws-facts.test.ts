import * as rds from 'aws-cdk-lib/aws-rds';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import {
  AWS_REGIONS,
  availabilityZonesOf,
  CACHE_ENGINE_VERSIONS,
  CACHE_NODE_TYPES,
  ConfigError,
  DEFAULT_CONFIG,
  DR_STRATEGIES,
  FLEET_ARCHITECTURE,
  GLOBAL_DATABASE_ENGINE_VERSIONS,
  GLOBAL_DATABASE_INSTANCE_CLASSES,
  instanceArchitecture,
  loadConfig,
  nearest,
  profileOverrides,
  ROUTE53_HEALTH_CHECKER_REGIONS,
} from '../../lib/config';
import auroraFile from '../../lib/config/facts/aurora-postgresql.json';
import azFile from '../../lib/config/facts/availability-zones.json';
import ec2File from '../../lib/config/facts/ec2-instance-types.json';
import cacheFile from '../../lib/config/facts/elasticache.json';
import route53File from '../../lib/config/facts/route53-health-checker-regions.json';
import { parameterGroupFamily } from '../../lib/constructs/cache';
import { defaultApp } from '../helpers/app';

/** Every problem of a config the loader refuses (fails the test if it is accepted). */
function problems(overrides: unknown): string[] {
  try {
    loadConfig({ overrides });
  } catch (e) {
    if (e instanceof ConfigError)
      return e.problems.map((p) => `${p.path} = ${JSON.stringify(p.value)}: ${p.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

describe('values that cannot deploy are refused with the field, the value, what is allowed and the nearest valid value', () => {
  test.each<[string, unknown, RegExp | RegExp[]]>([
    [
      'a typo in the DR region',
      { dr: { region: 'us-wset-2' } },
      /^dr\.region = "us-wset-2": must be a region of the aws partition \(\d+ listed in aws-cdk-lib's region-info\); did you mean "us-west-2"\?$/,
    ],
    [
      'a region that does not exist',
      { dr: { region: 'us-east-9' } },
      /^dr\.region = "us-east-9": must be a region of the aws partition .*; did you mean "us-east-[12]"\?$/,
    ],
    [
      'a writer region typo',
      { writerRegion: 'us-eats-1' },
      /^writerRegion = "us-eats-1": must be a region .*; did you mean "us-east-1"\?$/,
    ],
    [
      'a region of another partition',
      { dr: { region: 'cn-north-1' } },
      /^dr\.region = "cn-north-1": must be a region of the aws partition/,
    ],
    [
      'an AZ letter the region does not have',
      { primary: { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1z'] } },
      /^primary\.availabilityZones\[2\] = "us-east-1z": must be an AZ of us-east-1 \(us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f\); did you mean "us-east-1[a-f]"\?$/,
    ],
    [
      'x86 instance types with the arm64 AMI',
      { fleet: { instanceTypes: ['m7i.large', 'c7i.large'] } },
      [
        /^fleet\.instanceTypes\[0\] = "m7i\.large": is x86_64, but the fleet boots the arm64 Amazon Linux 2023 AMI: use a Graviton type such as m7g\.large$/,
        /^fleet\.instanceTypes\[1\] = "c7i\.large": is x86_64, .*such as c7g\.large$/,
      ],
    ],
    [
      'an instance type that does not exist',
      { fleet: { instanceTypes: ['m7g.large', 'm7g.lrage'] } },
      /^fleet\.instanceTypes\[1\] = "m7g\.lrage": must be an arm64 EC2 instance type \(\d+ listed in lib\/config\/facts\/ec2-instance-types\.json\); did you mean "m7g\.large"\?$/,
    ],
    [
      'a made-up cache node type',
      { cache: { nodeType: 'cache.bogus.large' } },
      /^cache\.nodeType = "cache\.bogus\.large": must be an ElastiCache node type \(\d+ listed in lib\/config\/facts\/elasticache\.json\)$/,
    ],
    [
      'a cache node type typo',
      { cache: { nodeType: 'cache.r7g.larg' } },
      /^cache\.nodeType = "cache\.r7g\.larg": must be an ElastiCache node type .*; did you mean "cache\.r7g\.large"\?$/,
    ],
    [
      'a DR cache node type that does not exist',
      { drCapacity: { cacheNodeType: 'cache.t4g.mediun' } },
      /^drCapacity\.cacheNodeType = "cache\.t4g\.mediun": must be an ElastiCache node type .*; did you mean "cache\.t4g\.medium"\?$/,
    ],
    [
      'a cache engine version that does not exist',
      { cache: { engineVersion: '9.9' } },
      /^cache\.engineVersion = "9\.9": must be a valkey version ElastiCache offers \(7\.2, 8\.0, 8\.1, 8\.2\)$/,
    ],
    [
      'a valkey version for redis',
      { cache: { engine: 'redis', engineVersion: '8.0' } },
      /^cache\.engineVersion = "8\.0": must be a redis version ElastiCache offers \(6\.2, 7\.0, 7\.1\)$/,
    ],
    [
      'a checker region Route 53 does not offer',
      { dns: { healthCheck: { checkerRegions: ['us-east-1', 'us-west-2', 'eu-central-1'] } } },
      /^dns\.healthCheck\.checkerRegions\[2\] = "eu-central-1": must be a Route 53 health-checker region \(us-east-1, us-west-1, us-west-2, eu-west-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1\)$/,
    ],
    [
      'a burstable database class',
      { database: { instanceClass: 't4g.medium' } },
      /^database\.instanceClass = "t4g\.medium": must be an instance class a Global Database accepts \(memory-optimized r- or x-class, no burstable t-class\) \(\d+ listed in lib\/config\/facts\/aurora-postgresql\.json\)$/,
    ],
    [
      'a database class typo',
      { database: { instanceClass: 'r6g.xlarg' } },
      /^database\.instanceClass = "r6g\.xlarg": .*; did you mean "r6g\.xlarge"\?$/,
    ],
    [
      'an engine version without Global Database',
      { database: { engineVersion: '16.2' } },
      /^database\.engineVersion = "16\.2": must be an Aurora PostgreSQL version with Global Database support \(16\.4, .*17\.9\); did you mean "16\.[0-9]+"\?$/,
    ],
    [
      'a weekly cron (no interval the RPO alarm can state)',
      { snapshots: { schedule: 'cron(0 3 ? * MON *)' } },
      /^snapshots\.schedule = "cron\(0 3 \? \* MON \*\)": must be rate\(N minutes\|hours\|days\) .* the RPO alarm needs its interval$/,
    ],
    [
      'a rate with a plural unit for 1',
      { snapshots: { schedule: 'rate(1 days)' } },
      /^snapshots\.schedule = "rate\(1 days\)": must be rate\(N minutes\|hours\|days\) \(singular for 1: rate\(1 day\)\)/,
    ],
    [
      'a snapshot retention shorter than the schedule',
      { snapshots: { schedule: 'rate(3 days)', retentionDays: 2 } },
      /^snapshots\.retentionDays = 2: must be at least 3 day\(s\): shorter than the interval of snapshots\.schedule \(rate\(3 days\)\)/,
    ],
  ])('%s', (_name, overrides, expected) => {
    const expectedList = Array.isArray(expected) ? expected : [expected];
    expect(problems(overrides)).toEqual(expectedList.map((e) => expect.stringMatching(e)));
  });

  test('GIVEN a region without AZ data WHEN loaded THEN the problem says which data file to extend and how to look the zones up', () => {
    const region = AWS_REGIONS.find((r) => availabilityZonesOf(r) === undefined);
    expect(region).toBeDefined();
    expect(problems({ dr: { region, availabilityZones: [`${region}a`, `${region}b`] } })).toEqual([
      expect.stringMatching(
        new RegExp(
          `^dr\\.availabilityZones = .*: lib/config/facts/availability-zones\\.json does not list the zones of ${region}: add them \\(aws ec2 describe-availability-zones --region ${region} `,
        ),
      ),
    ]);
  });

  test('GIVEN a typo in a region WHEN loaded THEN only the region is reported, not the fields judged against it', () => {
    expect(problems({ primary: { region: 'us-esat-1' } })).toEqual([
      expect.stringMatching(/^primary\.region = "us-esat-1": .*did you mean "us-east-1"\?$/),
      // Not judged against an unknown region: the AZs, and writerRegion against the pair.
    ]);
  });
});

describe('nearest', () => {
  test.each([
    ['us-wset-2', ['us-west-2', 'us-west-1', 'us-east-2'], 'us-west-2'],
    ['eu-west-1', ['eu-west-1'], 'eu-west-1'],
    ['xx', ['us-east-1'], undefined],
    ['m7g.xlage', ['m7g.xlarge', 'm7g.large'], 'm7g.xlarge'],
  ])('nearest(%s) = %s', (value, candidates, expected) => {
    expect(nearest(value, candidates)).toBe(expected);
  });
});

describe('the data files are consistent with the code and with aws-cdk-lib', () => {
  test.each([
    ['route53-health-checker-regions', route53File],
    ['aurora-postgresql', auroraFile],
    ['elasticache', cacheFile],
    ['ec2-instance-types', ec2File],
    ['availability-zones', azFile],
  ])('%s names an https source and the date it was checked', (_name, file) => {
    expect(file.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(file.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(file.basis).toMatch(/verify/);
  });

  test('every region of the AZ and checker files is a region aws-cdk-lib knows, and every AZ belongs to its region', () => {
    for (const [region, zones] of Object.entries(azFile.zones)) {
      expect(AWS_REGIONS).toContain(region);
      for (const az of zones) expect(az).toMatch(new RegExp(`^${region}[a-z]$`));
    }
    for (const region of ROUTE53_HEALTH_CHECKER_REGIONS) expect(AWS_REGIONS).toContain(region);
    expect(RegionInfo.get('us-east-1').partition).toBe('aws');
  });

  test('every Aurora version of the file is one this aws-cdk-lib models (rds.AuroraPostgresEngineVersion.VER_*)', () => {
    const modeled = Object.keys(rds.AuroraPostgresEngineVersion)
      .filter((k) => /^VER_\d+_\d+$/.test(k))
      .map((k) => k.slice(4).replace('_', '.'));
    for (const v of GLOBAL_DATABASE_ENGINE_VERSIONS) expect(modeled).toContain(v);
  });

  test('every cache engine version maps to a parameter group family of its engine', () => {
    for (const [engine, versions] of Object.entries(CACHE_ENGINE_VERSIONS)) {
      for (const engineVersion of versions) {
        expect(parameterGroupFamily({ engine: engine as 'valkey' | 'redis', engineVersion })).toMatch(
          new RegExp(`^${engine}\\d`),
        );
      }
    }
  });

  test('the defaults and every DR profile use only values the data files list', () => {
    for (const drStrategy of DR_STRATEGIES) {
      const { config } = loadConfig({ overrides: { drStrategy } });
      for (const t of config.fleet.instanceTypes) expect(instanceArchitecture(t)).toBe(FLEET_ARCHITECTURE);
      expect(GLOBAL_DATABASE_INSTANCE_CLASSES).toContain(config.database.instanceClass);
      expect(GLOBAL_DATABASE_ENGINE_VERSIONS).toContain(config.database.engineVersion);
      expect(CACHE_NODE_TYPES).toContain(config.cache.nodeType);
      expect(CACHE_ENGINE_VERSIONS[config.cache.engine]).toContain(config.cache.engineVersion);
      const dr = profileOverrides(drStrategy, DEFAULT_CONFIG).drCapacity?.cacheNodeType;
      if (dr) expect(CACHE_NODE_TYPES).toContain(dr);
      for (const r of config.dns.healthCheck.checkerRegions)
        expect(ROUTE53_HEALTH_CHECKER_REGIONS).toContain(r);
      for (const key of ['primary', 'dr'] as const) {
        expect(availabilityZonesOf(config[key].region)).toEqual(
          expect.arrayContaining([...config[key].availabilityZones]),
        );
      }
    }
  });

  test('the architecture the config requires is the one of the AMI the synthesized fleet boots', () => {
    const { json, config } = defaultApp();
    const amiParameters = Object.values(
      (json[`${config.appName}-primary`] as { Parameters?: Record<string, { Default?: string }> })
        .Parameters ?? {},
    )
      .map((p) => p.Default ?? '')
      .filter((d) => d.startsWith('/aws/service/ami-amazon-linux-latest/'));
    expect(amiParameters).toEqual([expect.stringMatching(new RegExp(`-${FLEET_ARCHITECTURE}$`))]);
  });
});
