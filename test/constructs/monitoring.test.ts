import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_CONFIG } from '../../lib/config';
import { type MonitoredFleet, Monitoring, type MonitoringProps } from '../../lib/constructs/monitoring';
import { cloudWatchAgentConfig } from '../../lib/constructs/service-user-data';
import { createMetrics } from '../../service/src/metrics';
import { FakeDatabase } from '../../service/test/fakes';
import { testContext } from '../helpers/context';

/*
 * One fixture stack, synthesized once: a VPC, ALB + target group, ASG and plain identifiers for the
 * database and cache, monitored twice - as the writer region (with functions, an existing alarm and a
 * snapshot-age metric) and as a Global Database secondary with a larger cache (12 nodes).
 */
const AZS = DEFAULT_CONFIG.primary.availabilityZones;
const MIN_PER_AZ = DEFAULT_CONFIG.fleet.minPerAz;
const FRESHNESS_ALARM_ARN = 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:ha-ref-snapshot-freshness';
const SERVICE_NAMESPACE = 'Fixture/service';
/** Overrides on the secondary monitor only: each must reach its own alarm, the primary keeps the defaults. */
const SECONDARY_THRESHOLDS = {
  http5xxPercent: 2,
  http5xxMinRequestsPerMinute: 20,
  databaseCpuPercent: 65,
  cacheEngineCpuPercent: 70,
};

class FixtureStack extends Stack {
  get availabilityZones(): string[] {
    return AZS;
  }
}

interface Fixture {
  stack: Stack;
  vpc: ec2.Vpc;
  alb: elbv2.ApplicationLoadBalancer;
  targetGroup: elbv2.ApplicationTargetGroup;
  asg: autoscaling.AutoScalingGroup;
}

function fixture(app: App, id = 'Fixture'): Fixture {
  const stack = new FixtureStack(app, id, { env: { account: '111111111111', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: AZS, natGateways: 1 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', {
    vpc,
    instanceType: new ec2.InstanceType('m7g.large'),
    machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
    minCapacity: MIN_PER_AZ * AZS.length,
  });
  const targetGroup = alb
    .addListener('Http', { port: 80 })
    .addTargets('Fleet', { port: 8080, targets: [asg] });
  return { stack, vpc, alb, targetGroup, asg };
}

function baseProps(f: Fixture): MonitoringProps {
  return {
    alarmNamePrefix: 'ha-ref',
    alarmTopic: {
      displayName: 'ha-ref alarms us-east-1',
      keyDescription: 'ha-ref alarm topic (us-east-1)',
      emailAddresses: ['oncall@example.com'],
      httpsEndpoints: ['https://hooks.example.com/alarm'],
    },
    dashboardName: 'ha-ref-us-east-1',
    fleet: {
      loadBalancer: f.alb,
      targetGroup: f.targetGroup,
      autoScalingGroup: f.asg,
      availabilityZones: AZS,
      minPerAz: MIN_PER_AZ,
    },
    database: { clusterIdentifier: 'ha-ref-us-east-1', isGlobalSecondary: false },
    cache: {
      replicationGroupId: 'ha-ref-cache',
      shards: DEFAULT_CONFIG.cache.shards,
      replicasPerShard: DEFAULT_CONFIG.cache.replicasPerShard,
    },
  };
}

type Props = Record<string, any>;

let template: Template;
let resources: Record<string, { Type: string; Properties: Props }>;
let f: Fixture;
let primary: Monitoring;
let secondary: Monitoring;
let nagViolations: string[];
const logicalId = (c: { node: { defaultChild?: unknown } }) =>
  f.stack.getLogicalId(c.node.defaultChild as CfnElement);

beforeAll(() => {
  // GIVEN the fixture with both monitors and cdk-nag, under cdk.json's feature flags
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'monitoring-test-'));
  const app = new App({ outdir, context: testContext(), builtinCloudFormationValidation: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  f = fixture(app);
  primary = new Monitoring(f.stack, 'Primary', {
    ...baseProps(f),
    fleet: { ...baseProps(f).fleet, serviceMetricsNamespace: SERVICE_NAMESPACE },
    functions: {
      SnapshotCreate: lambda.Function.fromFunctionName(f.stack, 'SnapshotCreate', 'ha-ref-snapshot-create'),
      FailoverRunbook: lambda.Function.fromFunctionName(
        f.stack,
        'FailoverRunbook',
        'ha-ref-failover-runbook',
      ),
    },
    existingAlarms: [cloudwatch.Alarm.fromAlarmArn(f.stack, 'Freshness', FRESHNESS_ALARM_ARN)],
    snapshotAgeMetric: new cloudwatch.Metric({
      namespace: 'HaRef/Snapshots',
      metricName: 'NewestCopyAgeSeconds',
    }),
  });
  secondary = new Monitoring(f.stack, 'Secondary', {
    ...baseProps(f),
    alarmNamePrefix: 'ha-dr',
    alarmTopic: { displayName: 'ha-dr alarms', keyDescription: 'ha-dr alarm topic' },
    dashboardName: 'ha-dr-us-east-1',
    database: { clusterIdentifier: 'ha-ref-us-west-2', isGlobalSecondary: true },
    cache: { replicationGroupId: 'ha-dr-cache', shards: 4, replicasPerShard: 2 },
    thresholds: SECONDARY_THRESHOLDS,
  });
  // Each monitor routes its own alarms (in a regional stack the stack routes every alarm of its own).
  primary.alarmTopic.routeAlarmsIn(primary);
  secondary.alarmTopic.routeAlarmsIn(secondary);
  // The fixture stands in for the network and fleet constructs, which own (and are tested for) these controls.
  const fixtureAck =
    'Test fixture standing in for the network/fleet constructs, which implement this control.';
  Validations.of(f.vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: fixtureAck });
  Validations.of(f.alb).acknowledge({ id: 'AwsSolutions-ELB2', reason: fixtureAck });
  Validations.of(f.alb).acknowledge({ id: 'AwsSolutions-EC23', reason: fixtureAck });
  Validations.of(f.asg).acknowledge({ id: 'AwsSolutions-AS3', reason: fixtureAck });
  Validations.of(f.asg).acknowledge({ id: 'AwsSolutions-EC26', reason: fixtureAck });

  // WHEN it synthesizes (validation failures throw, after the template and the report are written)
  try {
    app.synth();
  } catch {
    // asserted below from the report
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  nagViolations = report.pluginReports
    .filter((p: Props) => p.pluginName === 'AwsSolutions')
    .flatMap((p: Props) =>
      p.violations.flatMap((v: Props) =>
        v.violatingConstructs.map((c: Props) => `${v.ruleName} ${c.constructPath}`),
      ),
    );
  const json = JSON.parse(fs.readFileSync(path.join(outdir, 'Fixture.template.json'), 'utf8'));
  resources = json.Resources;
  template = Template.fromJSON(json);
});

interface Evaluation {
  threshold: number;
  comparison: string;
  periods: number;
  missing: string;
}

/** Exactly one alarm of this name, with this evaluation (every period must breach) and these properties. */
function expectAlarm(name: string, e: Evaluation, properties: Props): void {
  template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmName: name }, 1);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: name,
    Threshold: e.threshold,
    ComparisonOperator: e.comparison,
    EvaluationPeriods: e.periods,
    DatapointsToAlarm: e.periods,
    TreatMissingData: e.missing,
    ...properties,
  });
}

/** CloudWatch's dimension list, in the order given. */
const dims = (d: Props) => Object.entries(d).map(([Name, Value]) => ({ Name, Value }));

/** One metric of a metric-math alarm (`Metrics` entry). */
const metricStat = (
  metricName: string,
  namespace: string,
  dimensions: unknown,
  period: number,
  stat: string,
) => ({
  MetricStat: {
    Metric: { MetricName: metricName, Namespace: namespace, Dimensions: dimensions },
    Period: period,
    Stat: stat,
  },
});

const http5xxExpression = (minRequests: number) =>
  `IF(FILL(req, 0) >= ${minRequests}, 100 * (FILL(elb, 0) + FILL(tgt, 0)) / FILL(req, 0), ` +
  `IF(FILL(elb, 0) >= ${minRequests}, 100, 0))`;

describe('alarm topic', () => {
  test('GIVEN config subscriptions WHEN synthesized THEN the topic is KMS-encrypted, TLS-only and subscribed', () => {
    const topicId = logicalId(primary.alarmTopic.topic);
    const keyId = logicalId(primary.alarmTopic.key);
    expect(resources[topicId].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: topicId },
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: topicId },
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/alarm',
    });
    // The secondary monitor's config has no subscribers.
    template.resourcePropertiesCountIs(
      'AWS::SNS::Subscription',
      { TopicArn: { Ref: logicalId(secondary.alarmTopic.topic) } },
      0,
    );
  });

  test('GIVEN CloudWatch publishes alarms THEN the topic key lets cloudwatch.amazonaws.com of this account use it', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'ha-ref alarm topic (us-east-1)',
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          },
        ]),
      },
    });
  });
});

describe('every alarm', () => {
  test('THEN it notifies its own topic on ALARM and OK and tells on-call what to check first', () => {
    const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(Object.keys(primary.alarms).length + Object.keys(secondary.alarms).length);
    for (const [, { Properties: p }] of alarms) {
      const topic = (p.AlarmName.startsWith('ha-dr-') ? secondary : primary).alarmTopic.topic;
      expect(p.AlarmActions).toEqual([{ Ref: logicalId(topic) }]);
      expect(p.OKActions).toEqual([{ Ref: logicalId(topic) }]);
      expect(p.AlarmDescription).toMatch(/First check/);
      expect(['breaching', 'notBreaching']).toContain(p.TreatMissingData);
    }
  });

  test('GIVEN the writer region THEN exactly the expected alarms exist (no global-lag alarms)', () => {
    expect(Object.keys(primary.alarms).sort()).toEqual(
      [
        'Http5xxRatio',
        'UnhealthyHosts',
        ...AZS.map((az) => `HealthyHosts-${az}`),
        'TargetLatencyP99',
        'AsgInService',
        'ReadBreakerOpen',
        'DatabaseCpu',
        'DatabaseFreeableMemory',
        'DatabaseReplicaLag',
        'CacheEngineCpu',
        'CacheReplicationLag',
        'CacheEvictions',
        'CacheConnections',
        'LambdaErrors-SnapshotCreate',
        'LambdaThrottles-SnapshotCreate',
        'LambdaErrors-FailoverRunbook',
        'LambdaThrottles-FailoverRunbook',
      ].sort(),
    );
  });
});

describe('load balancer and fleet alarms', () => {
  const lbName = () => ({ 'Fn::GetAtt': [logicalId(f.alb), 'LoadBalancerFullName'] });
  const tgName = () => ({ 'Fn::GetAtt': [logicalId(f.targetGroup), 'TargetGroupFullName'] });

  test('THEN the 5xx alarm is (ELB + target 5xx) / requests > 5 % for 2 one-minute periods, gated by 50 requests', () => {
    const lb = dims({ LoadBalancer: lbName() });
    expectAlarm(
      'ha-ref-Http5xxRatio',
      { threshold: 5, comparison: 'GreaterThanThreshold', periods: 2, missing: 'notBreaching' },
      {
        Metrics: [
          { Expression: http5xxExpression(50), ReturnData: true },
          { Id: 'req', ...metricStat('RequestCount', 'AWS/ApplicationELB', lb, 60, 'Sum') },
          { Id: 'elb', ...metricStat('HTTPCode_ELB_5XX_Count', 'AWS/ApplicationELB', lb, 60, 'Sum') },
          { Id: 'tgt', ...metricStat('HTTPCode_Target_5XX_Count', 'AWS/ApplicationELB', lb, 60, 'Sum') },
        ],
      },
    );
    expect(primary.http5xxAlarm).toBe(primary.alarms.Http5xxRatio);
  });

  test('THEN every AZ has a healthy-host alarm below minPerAz, on the per-AZ target group metric', () => {
    for (const az of AZS) {
      const perAz = dims({ AvailabilityZone: az, LoadBalancer: Match.anyValue(), TargetGroup: tgName() });
      expectAlarm(
        `ha-ref-HealthyHosts-${az}`,
        { threshold: MIN_PER_AZ, comparison: 'LessThanThreshold', periods: 2, missing: 'breaching' },
        { Metrics: [metricStat('HealthyHostCount', 'AWS/ApplicationELB', perAz, 60, 'Minimum')] },
      );
    }
  });

  test('THEN unhealthy hosts > 0 for 2 minutes alarms', () => {
    expectAlarm(
      'ha-ref-UnhealthyHosts',
      { threshold: 0, comparison: 'GreaterThanThreshold', periods: 2, missing: 'notBreaching' },
      {
        MetricName: 'UnHealthyHostCount',
        Namespace: 'AWS/ApplicationELB',
        Dimensions: dims({ LoadBalancer: Match.anyValue(), TargetGroup: tgName() }),
        Period: 60,
        Statistic: 'Maximum',
      },
    );
  });

  test('THEN target p99 latency above 1 s for 3 minutes alarms', () => {
    expectAlarm(
      'ha-ref-TargetLatencyP99',
      { threshold: 1, comparison: 'GreaterThanThreshold', periods: 3, missing: 'notBreaching' },
      { MetricName: 'TargetResponseTime', Period: 60, ExtendedStatistic: 'p99' },
    );
  });

  test('THEN in-service instances below minPerAz x AZs for 5 minutes alarms, on this ASG', () => {
    expectAlarm(
      'ha-ref-AsgInService',
      {
        threshold: MIN_PER_AZ * AZS.length,
        comparison: 'LessThanThreshold',
        periods: 5,
        missing: 'breaching',
      },
      {
        MetricName: 'GroupInServiceInstances',
        Namespace: 'AWS/AutoScaling',
        Dimensions: dims({ AutoScalingGroupName: { Ref: logicalId(f.asg) } }),
        Period: 60,
        Statistic: 'Minimum',
      },
    );
  });
});

describe('service alarms', () => {
  test('THEN "read breaker open" alarms when the latency breaker of the read path is not closed on any instance in 2 of 3 minutes; only where the namespace is given', () => {
    expect(primary.alarms.ReadBreakerOpen).toBeDefined();
    expect(secondary.alarms.ReadBreakerOpen).toBeUndefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'ha-ref-ReadBreakerOpen',
      Namespace: SERVICE_NAMESPACE,
      MetricName: 'circuit_breaker_state',
      Dimensions: dims({ dependency: 'database', path: 'read', trips_on: 'latency' }),
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  test("THEN the alarm's metric is one the CloudWatch agent publishes from the service's real /metrics, with the alarm's dimensions", async () => {
    const { Properties: alarm } = Object.values(resources).find(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === 'ha-ref-ReadBreakerOpen',
    )!;
    const agent = cloudWatchAgentConfig({
      serviceLogGroupName: 'l',
      metricsLogGroupName: 'm',
      metricsNamespace: SERVICE_NAMESPACE,
    }) as Props;
    const emf = agent.logs.metrics_collected.prometheus.emf_processor;
    expect(emf.metric_namespace).toBe(alarm.Namespace);
    const declaration = emf.metric_declaration.find((d: Props) =>
      d.metric_selectors.some((sel: string) => new RegExp(sel).test(alarm.MetricName)),
    );
    const alarmDims = alarm.Dimensions.map((d: Props) => d.Name).sort();
    expect(declaration.dimensions.map((set: string[]) => [...set].sort())).toContainEqual(alarmDims);
    // The service exposes that metric with exactly those labels and values (the EMF dimensions come from labels).
    const db = new FakeDatabase();
    db.readLatencyState = 'open';
    const text = await createMetrics({ db, processMetrics: false }).registry.metrics();
    const labels = alarm.Dimensions.map((d: Props) => `${d.Name}="${d.Value}"`);
    const series = text.split('\n').filter((l) => l.startsWith(`${alarm.MetricName}{`));
    expect(series.filter((l) => labels.every((kv: string) => l.includes(kv)))).toEqual([
      expect.stringMatching(/ 2$/), // open reads >= the threshold
    ]);
  });
});

describe('database alarms', () => {
  test('GIVEN the writer region THEN CPU and memory follow the WRITER role and replica lag the readers', () => {
    const writer = dims({ DBClusterIdentifier: 'ha-ref-us-east-1', Role: 'WRITER' });
    expectAlarm(
      'ha-ref-DatabaseCpu',
      { threshold: 80, comparison: 'GreaterThanThreshold', periods: 2, missing: 'notBreaching' },
      { MetricName: 'CPUUtilization', Namespace: 'AWS/RDS', Period: 300, Dimensions: writer },
    );
    expectAlarm(
      'ha-ref-DatabaseFreeableMemory',
      { threshold: 1024 ** 3, comparison: 'LessThanThreshold', periods: 2, missing: 'notBreaching' },
      { MetricName: 'FreeableMemory', Statistic: 'Minimum', Period: 300, Dimensions: writer },
    );
    expectAlarm(
      'ha-ref-DatabaseReplicaLag',
      { threshold: 1000, comparison: 'GreaterThanThreshold', periods: 5, missing: 'notBreaching' },
      {
        MetricName: 'AuroraReplicaLag',
        Statistic: 'Maximum',
        Period: 60,
        Dimensions: dims({ DBClusterIdentifier: 'ha-ref-us-east-1', Role: 'READER' }),
      },
    );
  });

  test('GIVEN a Global Database secondary THEN global replication and RPO lag alarm on its cluster', () => {
    const cluster = dims({ DBClusterIdentifier: 'ha-ref-us-west-2' });
    expectAlarm(
      'ha-dr-GlobalReplicationLag',
      { threshold: 2000, comparison: 'GreaterThanThreshold', periods: 3, missing: 'breaching' },
      {
        MetricName: 'AuroraGlobalDBReplicationLag',
        Namespace: 'AWS/RDS',
        Dimensions: cluster,
        Period: 60,
        Statistic: 'Maximum',
      },
    );
    expectAlarm(
      'ha-dr-GlobalRpoLag',
      { threshold: 2000, comparison: 'GreaterThanThreshold', periods: 3, missing: 'notBreaching' },
      { MetricName: 'AuroraGlobalDBRPOLag', Dimensions: cluster },
    );
    // A secondary has no writer: CPU is watched on the busiest instance of the cluster (no Role).
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'ha-dr-DatabaseCpu',
      Dimensions: cluster,
      Statistic: 'Maximum',
    });
  });
});

describe('cache alarms', () => {
  const nodes = (id: string, shards: number, perShard: number) =>
    Array.from({ length: shards }, (_, s) =>
      Array.from({ length: perShard }, (_, n) => `${id}-000${s + 1}-00${n + 1}`),
    ).flat();
  const busiest = { Expression: 'MAX(FILL(METRICS(), 0))', ReturnData: true };

  test.each([
    ['CacheEngineCpu', 'EngineCPUUtilization', 'Average', 60, 80, 5],
    ['CacheReplicationLag', 'ReplicationLag', 'Maximum', 60, 5, 3],
    ['CacheEvictions', 'Evictions', 'Sum', 300, 1000, 2],
    ['CacheConnections', 'CurrConnections', 'Maximum', 60, 5000, 5],
  ])(
    'THEN %s takes the busiest of every node of the replication group',
    (key, metric, stat, period, threshold, periods) => {
      const every = nodes(
        'ha-ref-cache',
        DEFAULT_CONFIG.cache.shards,
        DEFAULT_CONFIG.cache.replicasPerShard + 1,
      );
      expectAlarm(
        `ha-ref-${key}`,
        { threshold, comparison: 'GreaterThanThreshold', periods, missing: 'notBreaching' },
        {
          Metrics: [
            busiest,
            ...every.map((n) =>
              metricStat(metric, 'AWS/ElastiCache', dims({ CacheClusterId: n }), period, stat),
            ),
          ],
        },
      );
    },
  );

  test('GIVEN 12 cache nodes THEN alarms split into groups of at most 10 metrics covering every node', () => {
    const every = nodes('ha-dr-cache', 4, 3);
    const lagOf = (n: string) =>
      metricStat('ReplicationLag', 'AWS/ElastiCache', dims({ CacheClusterId: n }), 60, 'Maximum');
    const evaluation = {
      threshold: 5,
      comparison: 'GreaterThanThreshold',
      periods: 3,
      missing: 'notBreaching',
    };
    expectAlarm('ha-dr-CacheReplicationLag-1', evaluation, {
      Metrics: [busiest, ...every.slice(0, 10).map(lagOf)],
    });
    expectAlarm('ha-dr-CacheReplicationLag-2', evaluation, {
      Metrics: [busiest, ...every.slice(10).map(lagOf)],
    });
  });
});

describe('lambda alarms', () => {
  test.each([
    ['SnapshotCreate', 'ha-ref-snapshot-create'],
    ['FailoverRunbook', 'ha-ref-failover-runbook'],
  ])('THEN %s alarms on any error and any throttle in 5 minutes', (key, fnName) => {
    for (const metric of ['Errors', 'Throttles']) {
      expectAlarm(
        `ha-ref-Lambda${metric}-${key}`,
        { threshold: 0, comparison: 'GreaterThanThreshold', periods: 1, missing: 'notBreaching' },
        {
          MetricName: metric,
          Namespace: 'AWS/Lambda',
          Dimensions: dims({ FunctionName: fnName }),
          Period: 300,
          Statistic: 'Sum',
        },
      );
    }
  });
});

describe('threshold overrides', () => {
  test('GIVEN thresholds in props THEN each reaches its alarm, its metric math and its description', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'ha-dr-Http5xxRatio',
      Threshold: SECONDARY_THRESHOLDS.http5xxPercent,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: http5xxExpression(20) })]),
      AlarmDescription: Match.stringLikeRegexp('^More than 2 % of ALB requests'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'ha-dr-DatabaseCpu',
      Threshold: SECONDARY_THRESHOLDS.databaseCpuPercent,
      AlarmDescription: Match.stringLikeRegexp('CPU above 65 %'),
    });
    for (const part of [1, 2]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `ha-dr-CacheEngineCpu-${part}`,
        Threshold: SECONDARY_THRESHOLDS.cacheEngineCpuPercent,
      });
    }
    // Thresholds not overridden keep their defaults.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'ha-dr-CacheEvictions-1',
      Threshold: 1000,
    });
  });
});

describe('dashboard', () => {
  test('THEN one dashboard per monitor shows every AZ, the existing alarm and the snapshot age', () => {
    const dashboards = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards.map((d) => d.Properties.DashboardName).sort()).toEqual([
      'ha-dr-us-east-1',
      'ha-ref-us-east-1',
    ]);
    const body = JSON.stringify(resources[logicalId(primary.dashboard)].Properties.DashboardBody);
    for (const az of AZS) expect(body).toContain(az);
    expect(body).toContain(FRESHNESS_ALARM_ARN);
    expect(body).toContain('NewestCopyAgeSeconds');
    for (const title of [
      'Traffic',
      'Errors',
      'Latency per AZ',
      'Fleet health per AZ',
      'Database',
      'Cache',
      'Replication lag',
    ]) {
      expect(body).toContain(title);
    }
    const drBody = JSON.stringify(resources[logicalId(secondary.dashboard)].Properties.DashboardBody);
    expect(drBody).toContain('AuroraGlobalDBReplicationLag');
    expect(drBody).toContain('No snapshot-age metric');
  });
});

describe("dashboard graphs the alarms' own metrics", () => {
  /** The graph widgets of a dashboard, from its body (tokens stand in as "<token>"). */
  const widgets = (m: Monitoring): Props[] => {
    const parts = resources[logicalId(m.dashboard)].Properties.DashboardBody['Fn::Join'][1] as unknown[];
    const body = parts.map((p) => (typeof p === 'string' ? p : '<token>')).join('');
    return (JSON.parse(body) as { widgets: Props[] }).widgets.filter((w) => w.type === 'metric');
  };
  const titled = (m: Monitoring, title: string) => widgets(m).find((w) => w.properties.title === title)!;

  test('GIVEN a CPU threshold override THEN the CPU graph shows the alarm metric (5-minute maximum) and the overridden line', () => {
    const cpu = titled(secondary, 'Database: CPU % and connections').properties;
    expect(cpu.metrics[0].slice(0, 4)).toEqual([
      'AWS/RDS',
      'CPUUtilization',
      'DBClusterIdentifier',
      'ha-ref-us-west-2',
    ]);
    // The alarm's own period (300 s, the graph default) and statistic.
    expect(cpu.metrics[0][4]).toEqual(expect.objectContaining({ stat: 'Maximum' }));
    expect(cpu.metrics[0][4].period ?? 300).toBe(300);
    expect(cpu.annotations.horizontal).toEqual([
      expect.objectContaining({ value: SECONDARY_THRESHOLDS.databaseCpuPercent, label: 'alarm' }),
    ]);
  });

  test('THEN the evictions graph plots each node at the alarm period (5 minutes), not a finer one', () => {
    const evictions = titled(primary, 'Cache: evictions / 5 min and connections').properties;
    const nodes = evictions.metrics.filter((m: unknown[]) => m[1] === 'Evictions');
    expect(nodes).toHaveLength(DEFAULT_CONFIG.cache.shards * (DEFAULT_CONFIG.cache.replicasPerShard + 1));
    for (const m of nodes) expect(m[4].period ?? 300).toBe(300);
  });
});

describe('cdk-nag', () => {
  test('THEN AwsSolutions reports zero unacknowledged findings', () => {
    expect(nagViolations).toEqual([]);
  });
});

describe('validation', () => {
  // Constructed only (never synthesized): each throws in the constructor.
  const attempt =
    (over: Partial<MonitoringProps> = {}, fleet: Partial<MonitoredFleet> = {}) =>
    () => {
      const fx = fixture(new App(), 'Invalid');
      const props = baseProps(fx);
      new Monitoring(fx.stack, 'M', { ...props, ...over, fleet: { ...props.fleet, ...fleet } });
    };

  test('GIVEN minPerAz 0 THEN construction fails naming the field', () => {
    expect(attempt({}, { minPerAz: 0 })).toThrow(/fleet.minPerAz must be an integer >= 1, got 0/);
  });
  test('GIVEN duplicate AZs THEN construction fails naming them', () => {
    expect(attempt({}, { availabilityZones: ['us-east-1a', 'us-east-1a'] })).toThrow(
      /fleet.availabilityZones .*\[us-east-1a, us-east-1a\]/,
    );
  });
  test('GIVEN a 5xx threshold above 100 % THEN construction fails', () => {
    expect(attempt({ thresholds: { http5xxPercent: 150 } })).toThrow(
      /thresholds.http5xxPercent must be in \(0, 100\], got 150/,
    );
  });
  test('GIVEN a negative threshold THEN construction fails naming it', () => {
    expect(attempt({ thresholds: { cacheConnections: -1 } })).toThrow(
      /thresholds.cacheConnections must be a positive number/,
    );
  });
  test('GIVEN a function label that cannot name an alarm THEN construction fails naming it', () => {
    const attemptWithFunction = () => {
      const fx = fixture(new App(), 'InvalidFn');
      const fn = lambda.Function.fromFunctionName(fx.stack, 'Fn', 'x');
      new Monitoring(fx.stack, 'M', { ...baseProps(fx), functions: { 'snapshot create': fn } });
    };
    expect(attemptWithFunction).toThrow(/functions label "snapshot create" must be alphanumeric/);
  });
  test('GIVEN minCapacity below minPerAz THEN construction fails', () => {
    expect(attempt({}, { minCapacity: 1 })).toThrow(
      /fleet.minCapacity must be an integer >= minPerAz \(2\), got 1/,
    );
  });
});
