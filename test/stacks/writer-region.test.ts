import { DEFAULT_CONFIG } from '../../lib/config';
import { defaultApp, resourcesOfType, synthApp, type SynthesizedTemplates } from '../helpers/app';

/**
 * After a switchover or failover, `writerRegion` makes the templates match reality without
 * replacing any database resource. This file is the one exception to "synthesize once per
 * file": its subject is the difference between two syntheses.
 */

/** Properties whose change CloudFormation applies in place (no replacement), per resource type. */
const IN_PLACE_CHANGES: Record<string, RegExp> = {
  'AWS::Route53::HealthCheck': /^HealthCheckConfig\.(ResourcePath)$/,
  'AWS::Route53::RecordSet': /^Comment$/,
  'AWS::Lambda::Function': /^Environment\./,
  'AWS::CloudWatch::Alarm':
    /^(AlarmDescription|AlarmName|Dimensions|MetricName|Namespace|Metrics|Threshold|EvaluationPeriods|DatapointsToAlarm|TreatMissingData|ComparisonOperator|Statistic|ExtendedStatistic|Period)(\.|$)/,
  'AWS::CloudWatch::Dashboard': /^DashboardBody(\.|$)/,
  'AWS::FIS::ExperimentTemplate': /^(Actions|Targets|Description|StopConditions)(\.|$)/,
  'AWS::IAM::Policy': /^PolicyDocument(\.|$)/,
  // A customer-managed policy updates in place too (CloudFormation makes a new default version).
  'AWS::IAM::ManagedPolicy': /^PolicyDocument(\.|$)/,
  'AWS::IAM::Role': /^(Policies)(\.|$)/,
  'AWS::SSM::Parameter': /^Value$/,
  'AWS::Events::Rule': /^(State|ScheduleExpression|Targets)(\.|$)/,
};

/** Stateful resources that must not change at all when the writer moves. */
const UNTOUCHABLE = [
  'AWS::RDS::GlobalCluster',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBClusterParameterGroup',
  'AWS::RDS::DBSubnetGroup',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
];

type Diff = { stack: string; id: string; type: string; path: string };

function diffProps(a: unknown, b: unknown, at: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diffProps((a as any)[k], (b as any)[k], at ? `${at}.${k}` : k, out);
    return;
  }
  out.push(at);
}

let before: SynthesizedTemplates;
let after: SynthesizedTemplates;
let diffs: Diff[];
beforeAll(() => {
  before = defaultApp();
  after = synthApp({ overrides: { writerRegion: DEFAULT_CONFIG.dr.region } });
  diffs = [];
  for (const [stack, template] of Object.entries(before.json)) {
    const other = after.json[stack];
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (!other.Resources[id]) continue; // removed: covered by the first test
      const paths: string[] = [];
      diffProps(resource.Properties ?? {}, other.Resources[id].Properties ?? {}, '', paths);
      for (const path of paths) diffs.push({ stack, id, type: resource.Type, path });
    }
  }
});

/** Only monitoring and experiments that follow the writer may appear or disappear. */
const MAY_COME_AND_GO = ['AWS::CloudWatch::Alarm', 'AWS::FIS::ExperimentTemplate'];

test('GIVEN writerRegion switched to DR THEN only writer-following alarms and experiments come or go', () => {
  const changed: string[] = [];
  for (const [stack, template] of Object.entries(before.json)) {
    const other = after.json[stack].Resources;
    for (const [id, r] of Object.entries(template.Resources))
      if (!other[id]) changed.push(`${stack} -${r.Type}`);
    for (const [id, r] of Object.entries(other))
      if (!template.Resources[id]) changed.push(`${stack} +${r.Type}`);
  }
  expect(changed.filter((c) => !MAY_COME_AND_GO.some((t) => c.endsWith(t)))).toEqual([]);
  // The global-lag alarms and the in-region failover experiment really do move.
  expect(changed).toEqual(
    expect.arrayContaining([
      'ha-ref-primary +AWS::CloudWatch::Alarm',
      'ha-ref-secondary -AWS::CloudWatch::Alarm',
    ]),
  );
});

test('THEN no database, cache, key, secret or network resource changes at all', () => {
  const stateful = diffs.filter((d) => UNTOUCHABLE.includes(d.type));
  expect(stateful).toEqual([]);
  // Guard against a vacuous pass: the untouchable types are really there.
  const types = Object.values(before.json).flatMap((t) => Object.values(t.Resources).map((r) => r.Type));
  for (const type of [
    'AWS::RDS::GlobalCluster',
    'AWS::RDS::DBCluster',
    'AWS::ElastiCache::ReplicationGroup',
  ]) {
    expect(types).toContain(type);
  }
});

test('THEN every changed property is one CloudFormation updates in place', () => {
  const replacing = diffs.filter((d) => !IN_PLACE_CHANGES[d.type]?.test(d.path));
  expect(replacing).toEqual([]);
});

test('THEN the DR record check requires a writer, and the primary keeps requiring one', () => {
  const path = (s: SynthesizedTemplates, stack: string) =>
    resourcesOfType(s.json[stack], 'AWS::Route53::HealthCheck')[0][1].HealthCheckConfig.ResourcePath;
  expect(path(before, 'ha-ref-secondary')).toBe('/readyz');
  expect(path(after, 'ha-ref-secondary')).toBe('/readyz?role=writer');
  expect(path(after, 'ha-ref-primary')).toBe('/readyz?role=writer');
  expect(diffs.some((d) => d.type === 'AWS::Route53::HealthCheck')).toBe(true);
});

test('THEN global replication-lag monitoring moves to the cluster that is now the secondary', () => {
  const globalLagAlarms = (s: SynthesizedTemplates, stack: string) =>
    resourcesOfType(s.json[stack], 'AWS::CloudWatch::Alarm').filter(([, p]) =>
      JSON.stringify(p).includes('AuroraGlobalDBReplicationLag'),
    ).length;
  expect(globalLagAlarms(before, 'ha-ref-secondary')).toBeGreaterThan(0);
  expect(globalLagAlarms(before, 'ha-ref-primary')).toBe(0);
  expect(globalLagAlarms(after, 'ha-ref-primary')).toBeGreaterThan(0);
  expect(globalLagAlarms(after, 'ha-ref-secondary')).toBe(0);
});
