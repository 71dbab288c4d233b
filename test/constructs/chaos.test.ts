import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { DEFAULT_CONFIG } from '../../lib/config';
import { ChaosExperiments, type ChaosExperimentsProps } from '../../lib/constructs/chaos';
import { ZonalAutoshift } from '../../lib/constructs/zonal-autoshift';
import { testContext } from '../helpers/context';

/*
 * One fixture stack, synthesized once (with aws-cdk-lib's CloudFormation validator on: the FIS L1
 * passes some properties through untyped): a VPC, an ASG, an ALB, a stop alarm, plain ARNs for the
 * database and cache, the experiments of a writer region and of a Global Database secondary, and the
 * ALB's zonal autoshift configuration.
 */
const AZS = DEFAULT_CONFIG.primary.availabilityZones;
const CLUSTER_ARN = 'arn:aws:rds:us-east-1:111111111111:cluster:ha-ref-us-east-1';
const CACHE_ARN = 'arn:aws:elasticache:us-east-1:111111111111:replicationgroup:ha-ref-cache';
const PER_AZ_KINDS = ['terminate-instances', 'network-disruption', 'cache-az-power', 'az-outage'];

class FixtureStack extends Stack {
  get availabilityZones(): string[] {
    return AZS;
  }
}

type Props = Record<string, any>;
let resources: Record<string, { Type: string; Properties: Props }>;
let stack: Stack;
let vpc: ec2.Vpc;
let asg: autoscaling.AutoScalingGroup;
let alb: elbv2.ApplicationLoadBalancer;
let stopAlarm: cloudwatch.Alarm;
let writer: ChaosExperiments;
let dr: ChaosExperiments;
let autoshift: ZonalAutoshift;
let violations: { plugin: string; rule: string; path: string }[];

const idOf = (c: IConstruct) => stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
const props = (c: IConstruct) => resources[idOf(c)].Properties;
const privateSubnetRefs = (az: string) =>
  vpc.privateSubnets.filter((s) => s.availabilityZone === az).map((s) => ({ Ref: idOf(s) }));

function baseProps(
  v: ec2.IVpc,
  group: autoscaling.IAutoScalingGroup,
  alarm: cloudwatch.IAlarm,
): ChaosExperimentsProps {
  return {
    appName: DEFAULT_CONFIG.appName,
    availabilityZones: AZS,
    autoScalingGroup: group,
    vpc: v,
    database: { clusterArn: CLUSTER_ARN, isGlobalSecondary: false },
    cache: { replicationGroupArn: CACHE_ARN },
    stopAlarm: alarm,
  };
}

beforeAll(() => {
  // GIVEN the fixture with cdk-nag, under cdk.json's feature flags. The built-in CloudFormation
  // validator runs over these resources in the full-app CLI synth (test/app/offline-synth.int.test.ts).
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-test-'));
  const app = new App({ outdir, context: testContext(), builtinCloudFormationValidation: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  stack = new FixtureStack(app, 'Fixture', { env: { account: '111111111111', region: 'us-east-1' } });
  // No default-SG custom resource, so the "nothing starts an experiment" check can cover the whole stack.
  vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: AZS,
    natGateways: 1,
    restrictDefaultSecurityGroup: false,
  });
  asg = new autoscaling.AutoScalingGroup(stack, 'Asg', {
    vpc,
    instanceType: new ec2.InstanceType('m7g.large'),
    machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345678' }),
  });
  alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  stopAlarm = new cloudwatch.Alarm(stack, 'Stop', {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'FiveXx' }),
    threshold: 5,
    evaluationPeriods: 2,
  });
  writer = new ChaosExperiments(stack, 'Writer', baseProps(vpc, asg, stopAlarm));
  dr = new ChaosExperiments(stack, 'Dr', {
    ...baseProps(vpc, asg, stopAlarm),
    database: { clusterArn: 'arn:aws:rds:us-east-1:111111111111:cluster:ha-ref-dr', isGlobalSecondary: true },
    networkDisruptionDuration: Duration.minutes(3),
  });
  autoshift = new ZonalAutoshift(stack, 'Autoshift', { loadBalancer: alb, outcomeAlarm: stopAlarm });
  const fixtureAck =
    'Test fixture standing in for the network/fleet constructs, which implement this control.';
  Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: fixtureAck });
  Validations.of(alb).acknowledge({ id: 'AwsSolutions-ELB2', reason: fixtureAck });
  Validations.of(asg).acknowledge({ id: 'AwsSolutions-AS3', reason: fixtureAck });
  Validations.of(asg).acknowledge({ id: 'AwsSolutions-EC26', reason: fixtureAck });
  Validations.of(vpc).acknowledge({
    id: 'CloudFormation-Validate::W3010',
    reason: 'Explicit AZs keep synth offline (docs/architecture.md, Gotchas).',
  });

  // WHEN it synthesizes (validation failures throw, after the template and the report are written)
  try {
    app.synth();
  } catch {
    // asserted below from the report
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  violations = report.pluginReports.flatMap((p: Props) =>
    p.violations.flatMap((v: Props) =>
      v.violatingConstructs.map((c: Props) => ({
        plugin: p.pluginName,
        rule: v.ruleName,
        path: c.constructPath,
      })),
    ),
  );
  resources = JSON.parse(fs.readFileSync(path.join(outdir, 'Fixture.template.json'), 'utf8')).Resources;
});

describe('experiment templates', () => {
  test('GIVEN a writer region THEN there is one template per AZ and kind, plus one cluster failover', () => {
    expect(Object.keys(writer.templates).sort()).toEqual(
      ['db-failover', ...AZS.flatMap((az) => PER_AZ_KINDS.map((k) => `${k}-${az}`))].sort(),
    );
    const all = Object.values(resources).filter((r) => r.Type === 'AWS::FIS::ExperimentTemplate');
    expect(all).toHaveLength(Object.keys(writer.templates).length + Object.keys(dr.templates).length);
  });

  test('GIVEN a Global Database secondary THEN no template fails its cluster over', () => {
    expect(Object.keys(dr.templates).sort()).toEqual(
      AZS.flatMap((az) => PER_AZ_KINDS.map((k) => `${k}-${az}`)).sort(),
    );
    for (const t of Object.values(dr.templates)) {
      const actions = Object.values(props(t).Actions as Props).map((a) => a.ActionId);
      expect(actions).not.toContain('aws:rds:failover-db-cluster');
    }
  });

  test('THEN every template stops on the 5xx alarm, runs as its role, logs to its log group and is tagged', () => {
    for (const chaos of [writer, dr]) {
      for (const [key, t] of Object.entries(chaos.templates)) {
        const p = props(t);
        expect(p.StopConditions).toEqual([
          { Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [idOf(stopAlarm), 'Arn'] } },
        ]);
        expect(p.RoleArn).toEqual({ 'Fn::GetAtt': [idOf(chaos.role), 'Arn'] });
        expect(p.LogConfiguration).toEqual({
          LogSchemaVersion: 2,
          CloudWatchLogsConfiguration: { LogGroupArn: { 'Fn::GetAtt': [idOf(chaos.logGroup), 'Arn'] } },
        });
        expect(p.Tags).toMatchObject({ Name: `ha-ref-${key}`, App: 'ha-ref' });
        expect(p.Description.length).toBeGreaterThan(20);
        expect(p.Description.length).toBeLessThanOrEqual(512);
      }
    }
  });

  test('THEN terminate-instances targets running instances of this ASG in exactly that AZ', () => {
    for (const az of AZS) {
      const p = props(writer.templates[`terminate-instances-${az}`]);
      expect(p.Actions).toEqual({
        TerminateInstances: {
          ActionId: 'aws:ec2:terminate-instances',
          Targets: { Instances: 'FleetInstances' },
        },
      });
      expect(p.Targets.FleetInstances).toEqual({
        ResourceType: 'aws:ec2:instance',
        ResourceTags: { 'aws:autoscaling:groupName': { Ref: idOf(asg) } },
        Filters: [
          { Path: 'Placement.AvailabilityZone', Values: [az] },
          { Path: 'State.Name', Values: ['running'] },
        ],
        SelectionMode: 'ALL',
      });
      expect(p.ExperimentOptions.EmptyTargetResolutionMode).toBe('fail');
    }
  });

  test("THEN network-disruption cuts all traffic of that AZ's private subnets for a bounded time", () => {
    for (const az of AZS) {
      const p = props(writer.templates[`network-disruption-${az}`]);
      expect(p.Actions.DisruptConnectivity).toEqual({
        ActionId: 'aws:network:disrupt-connectivity',
        Parameters: { duration: 'PT5M', scope: 'all' },
        Targets: { Subnets: 'PrivateSubnets' },
      });
      const arns = JSON.stringify(p.Targets.PrivateSubnets.ResourceArns);
      const mine = privateSubnetRefs(az);
      expect(mine.length).toBeGreaterThan(0);
      expect(p.Targets.PrivateSubnets.ResourceArns).toHaveLength(mine.length);
      for (const ref of mine) expect(arns).toContain(JSON.stringify(ref));
      for (const other of AZS.filter((o) => o !== az).flatMap(privateSubnetRefs)) {
        expect(arns).not.toContain(JSON.stringify(other));
      }
    }
    const drDisrupt = props(dr.templates[`network-disruption-${AZS[0]}`]).Actions.DisruptConnectivity;
    expect(drDisrupt.Parameters.duration).toBe('PT3M');
  });

  test('THEN cache-az-power interrupts this replication group in that AZ for 10 minutes', () => {
    for (const az of AZS) {
      const p = props(writer.templates[`cache-az-power-${az}`]);
      expect(p.Actions.InterruptCachePower).toEqual({
        ActionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
        Parameters: { duration: 'PT10M' },
        Targets: { ReplicationGroups: 'Cache' },
      });
      expect(p.Targets.Cache).toEqual({
        ResourceType: 'aws:elasticache:replicationgroup',
        ResourceArns: [CACHE_ARN],
        SelectionMode: 'ALL',
        Parameters: { availabilityZoneIdentifier: az },
      });
    }
  });

  test('THEN db-failover fails over this cluster, wherever its writer is', () => {
    const p = props(writer.templates['db-failover']);
    expect(p.Actions).toEqual({
      FailoverCluster: { ActionId: 'aws:rds:failover-db-cluster', Targets: { Clusters: 'Cluster' } },
    });
    expect(p.Targets.Cluster).toEqual({
      ResourceType: 'aws:rds:cluster',
      ResourceArns: [CLUSTER_ARN],
      SelectionMode: 'ALL',
    });
  });

  test('THEN az-outage runs every fault of that AZ together and skips targets absent from it', () => {
    for (const az of AZS) {
      const p = props(writer.templates[`az-outage-${az}`]);
      expect(
        Object.values(p.Actions as Props)
          .map((a) => a.ActionId)
          .sort(),
      ).toEqual(
        [
          'aws:ec2:terminate-instances',
          'aws:elasticache:replicationgroup-interrupt-az-power',
          'aws:network:disrupt-connectivity',
          'aws:rds:failover-db-cluster',
        ].sort(),
      );
      // No action waits for another: the AZ is lost all at once.
      for (const a of Object.values(p.Actions as Props)) expect(a.StartAfter).toBeUndefined();
      expect(p.Targets.FleetInstances.Filters[0]).toEqual({
        Path: 'Placement.AvailabilityZone',
        Values: [az],
      });
      expect(p.Targets.Cache.Parameters).toEqual({ availabilityZoneIdentifier: az });
      expect(p.Targets.Cluster.Parameters).toEqual({ writerAvailabilityZoneIdentifiers: az });
      expect(p.Targets.PrivateSubnets.ResourceArns).toHaveLength(privateSubnetRefs(az).length);
      expect(p.ExperimentOptions.EmptyTargetResolutionMode).toBe('skip');
    }
  });

  test('THEN nothing in the stack starts an experiment at deploy time', () => {
    const types = new Set(Object.values(resources).map((r) => r.Type));
    expect(
      [...types].filter((t) => t.startsWith('Custom::') || t === 'AWS::CloudFormation::CustomResource'),
    ).toEqual([]);
    expect(types.has('AWS::Lambda::Function')).toBe(false);
    expect(JSON.stringify(resources)).not.toMatch(/StartExperiment/i);
  });
});

describe('experiment role', () => {
  const statementsOf = (chaos: ChaosExperiments): Props[] => {
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::ManagedPolicy' &&
        r.Properties.Roles.some((x: Props) => x.Ref === idOf(chaos.role)),
    );
    expect(policies).toHaveLength(1);
    return policies[0].Properties.PolicyDocument.Statement;
  };
  const bySid = (chaos: ChaosExperiments, sid: string) => statementsOf(chaos).find((s) => s.Sid === sid);
  const actionsOf = (s: Props): string[] => [s.Action].flat();

  test('THEN only FIS experiments of this account and region can assume it', () => {
    const trust = props(writer.role).AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Principal).toEqual({ Service: 'fis.amazonaws.com' });
    expect(trust[0].Condition.StringEquals).toEqual({ 'aws:SourceAccount': '111111111111' });
    expect(JSON.stringify(trust[0].Condition.ArnLike['aws:SourceArn'])).toContain(
      ':fis:us-east-1:111111111111:experiment/*',
    );
  });

  test("THEN it may terminate only instances carrying this ASG's tag", () => {
    const s = bySid(writer, 'TerminateFleetInstances')!;
    expect(s.Action).toBe('ec2:TerminateInstances');
    expect(s.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': { Ref: idOf(asg) } },
    });
    const terminators = statementsOf(writer).filter((x) => actionsOf(x).includes('ec2:TerminateInstances'));
    expect(terminators).toHaveLength(1);
  });

  test('THEN cluster failover and cache power are limited to this cluster and this replication group', () => {
    expect(bySid(writer, 'FailoverCluster')).toMatchObject({
      Action: 'rds:FailoverDBCluster',
      Resource: CLUSTER_ARN,
    });
    expect(bySid(writer, 'InterruptCacheAzPower')).toMatchObject({
      Action: 'elasticache:InterruptClusterAzPower',
      Resource: CACHE_ARN,
    });
    expect(statementsOf(dr).flatMap(actionsOf)).not.toContain('rds:FailoverDBCluster');
  });

  test("THEN network ACL changes are limited to FIS-tagged ACLs and this stack's private subnets", () => {
    expect(bySid(writer, 'CreateFisNetworkAcl')!.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/managedByFIS': 'true' },
    });
    expect(bySid(writer, 'ManageFisNetworkAcl')!.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/managedByFIS': 'true' },
    });
    expect(JSON.stringify(bySid(writer, 'CreateNetworkAclInVpc')!.Resource)).toContain(
      JSON.stringify({ Ref: idOf(vpc) }),
    );
    const swap = JSON.stringify(bySid(writer, 'SwapTargetSubnetAcls')!.Resource);
    for (const ref of AZS.flatMap(privateSubnetRefs)) expect(swap).toContain(JSON.stringify(ref));
    for (const s of vpc.publicSubnets) expect(swap).not.toContain(JSON.stringify({ Ref: idOf(s) }));
  });

  test('THEN no statement grants a service wildcard and Resource "*" is used only for read-only and log-delivery calls', () => {
    for (const s of statementsOf(writer)) {
      for (const a of actionsOf(s)) expect(a).not.toMatch(/(^\*$|:\*$)/);
      if (s.Resource === '*') {
        for (const a of actionsOf(s)) expect(a).toMatch(/:(Describe|Get)[A-Za-z]+$|^logs:CreateLogDelivery$/);
      }
    }
  });
});

describe('experiment logs', () => {
  test('THEN experiments log to a KMS-encrypted log group kept for a year', () => {
    const lg = props(writer.logGroup);
    expect(lg.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(lg.RetentionInDays).toBe(365);
    const key = resources[lg.KmsKeyId['Fn::GetAtt'][0]].Properties;
    expect(JSON.stringify(key.KeyPolicy)).toContain('logs.us-east-1.amazonaws.com');
  });
});

describe('zonal autoshift', () => {
  test('THEN autoshift is enabled on this ALB with the 5xx alarm as practice-run outcome alarm', () => {
    expect(props(autoshift.configuration)).toEqual({
      ResourceIdentifier: { Ref: idOf(alb) },
      ZonalAutoshiftStatus: 'ENABLED',
      PracticeRunConfiguration: {
        OutcomeAlarms: [{ AlarmIdentifier: { 'Fn::GetAtt': [idOf(stopAlarm), 'Arn'] }, Type: 'CLOUDWATCH' }],
      },
    });
  });

  test('GIVEN a malformed blocked window THEN construction fails naming it', () => {
    const s = new Stack(new App(), 'Bad');
    const imported = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(s, 'Alb', {
      loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/x/1',
      securityGroupId: 'sg-12345678',
    });
    const alarm = cloudwatch.Alarm.fromAlarmArn(s, 'A', 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:x');
    expect(
      () =>
        new ZonalAutoshift(s, 'Z', {
          loadBalancer: imported,
          outcomeAlarm: alarm,
          blockedWindows: ['monday 9-5'],
        }),
    ).toThrow(/blockedWindows entry "monday 9-5" must look like "Mon:09:00-Mon:17:00"/);
  });
});

describe('validation', () => {
  // Constructed only (never synthesized): each throws in the constructor.
  const attempt = (over: Partial<ChaosExperimentsProps>) => () => {
    const s = new FixtureStack(new App(), 'Invalid', {
      env: { account: '111111111111', region: 'us-east-1' },
    });
    const v = new ec2.Vpc(s, 'Vpc', { availabilityZones: AZS, natGateways: 1 });
    const group = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(s, 'Asg', 'fleet');
    const alarm = cloudwatch.Alarm.fromAlarmArn(s, 'A', 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:x');
    new ChaosExperiments(s, 'C', { ...baseProps(v, group, alarm), ...over });
  };

  test('GIVEN an AZ without a private subnet THEN construction fails naming the AZ', () => {
    expect(attempt({ availabilityZones: [...AZS, 'us-east-1d'] })).toThrow(
      /privateSubnets must include a subnet in every AZ; none in \[us-east-1d\]/,
    );
  });
  test('GIVEN an unbounded network disruption THEN construction fails', () => {
    expect(attempt({ networkDisruptionDuration: Duration.hours(2) })).toThrow(
      /networkDisruptionDuration must be between 1 and 60 minutes, got 2 hours/,
    );
  });
  test('GIVEN a cache interruption under a minute THEN construction fails', () => {
    expect(attempt({ cachePowerInterruptionDuration: Duration.seconds(10) })).toThrow(
      /cachePowerInterruptionDuration must be between 1 and 60 minutes/,
    );
  });
});

describe('policy packs', () => {
  test('THEN cdk-nag AwsSolutions reports zero unacknowledged findings', () => {
    expect(violations.filter((v) => v.plugin === 'AwsSolutions')).toEqual([]);
  });
  test('THEN the CloudFormation validator finds nothing in the experiments or the autoshift configuration', () => {
    expect(
      violations.filter(
        (v) => v.plugin !== 'AwsSolutions' && /^Fixture\/(Writer|Dr|Autoshift)\//.test(v.path),
      ),
    ).toEqual([]);
  });
});
