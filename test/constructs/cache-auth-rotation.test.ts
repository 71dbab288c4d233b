import { cacheProps } from '../../lib/stacks/regional-props';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Cache } from '../../lib/constructs/cache';
import { CacheAuthRotation, type CacheAuthRotationProps } from '../../lib/constructs/cache-auth-rotation';
import { stackName } from '../../lib/config';
import { defaultApp, type SynthesizedTemplates } from '../helpers/app';
import { refId, subnets } from '../helpers/invariants';
import {
  getAttOf,
  ofType,
  only,
  refOf,
  resources,
  synthDataTier,
  type DataTierFixture,
  type FixtureStack,
} from './data-tier-fixture';

/** The AUTH token rotation inside the Cache construct (primary and secondary fixture stacks, cdk-nag on). */

let fx: DataTierFixture<Cache>;
beforeAll(() => {
  fx = synthDataTier(
    (stack: FixtureStack, config) =>
      new Cache(stack, 'Cache', { vpc: stack.vpc, ...cacheProps(config, stack.ctx.role) }),
    { overrides: { cache: { authTokenRotationDays: 21, authTokenGraceMinutes: 45 } } },
  );
});

const statementsOf = (t: ReturnType<typeof resources>, roleId: string) =>
  Object.values(t)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as unknown[]).some((x) => refOf(x) === roleId))
    .flatMap(
      (r) => r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe.each(['primary', 'secondary'] as const)('%s region', (role) => {
  const side = () => fx[role];
  const t = () => side().template;
  const rotation = () => side().built.authRotation;
  const logicalId = (c: { node: { defaultChild?: unknown } }) =>
    side().stack.getLogicalId(c.node.defaultChild as never);
  const fnId = () => logicalId(rotation().function);
  const fn = () => resources(t())[fnId()].Properties;

  test('GIVEN cache.authTokenRotationDays = 21 THEN the AUTH secret rotates every 21 days with this function, not on deploy, after the group exists', () => {
    const [secretId] = only(t(), 'AWS::SecretsManager::Secret');
    const [, schedule] = only(t(), 'AWS::SecretsManager::RotationSchedule');
    expect(refOf(schedule.Properties.SecretId)).toBe(secretId);
    expect(getAttOf(schedule.Properties.RotationLambdaARN)).toBe(fnId());
    expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(21 days)' });
    expect(schedule.Properties.RotateImmediatelyOnUpdate).toBe(false);
    const [groupId] = only(t(), 'AWS::ElastiCache::ReplicationGroup');
    expect(schedule.DependsOn).toContain(groupId);
  });

  test('GIVEN cache.authTokenGraceMinutes = 45 THEN the function drops old tokens after 45 minutes, checked every 15 by a schedule that targets it', () => {
    expect(fn().Environment.Variables).toMatchObject({
      GRACE_MINUTES: '45',
      CACHE_TLS: 'true',
      CACHE_PORT: '6379',
      REPLICATION_GROUP_ID: fx.config.appName + '-cache',
    });
    const [groupId] = only(t(), 'AWS::ElastiCache::ReplicationGroup');
    expect(fn().Environment.Variables.CACHE_HOST).toEqual({
      'Fn::GetAtt': [groupId, 'ConfigurationEndPoint.Address'],
    });
    const rules = ofType(t(), 'AWS::Events::Rule').filter(([, r]) =>
      (r.Properties.Targets as { Arn: unknown }[]).some((x) => getAttOf(x.Arn) === fnId()),
    );
    expect(rules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['rate(15 minutes)']);
  });

  test('the function runs Node.js 24 with 15 minutes to wait out modifications, and Secrets Manager (rotation) and EventBridge (enforcement) may invoke it', () => {
    expect(fn().Runtime).toBe('nodejs24.x');
    expect(fn().Timeout).toBe(900);
    const permissions = ofType(t(), 'AWS::Lambda::Permission')
      .map(([, r]) => r.Properties)
      .filter((p) => getAttOf(p.FunctionName) === fnId());
    expect(permissions.map((p) => p.Principal).sort()).toEqual([
      'events.amazonaws.com',
      'secretsmanager.amazonaws.com',
    ]);
    // Only for this secret and this rule (no confused deputy).
    const [secretId] = only(t(), 'AWS::SecretsManager::Secret');
    const sm = permissions.find((p) => p.Principal === 'secretsmanager.amazonaws.com')!;
    expect(sm.SourceArn).toEqual({ Ref: secretId });
    const events = permissions.find((p) => p.Principal === 'events.amazonaws.com')!;
    expect(getAttOf(events.SourceArn)).toBe(logicalId(rotation().enforcementRule));
  });

  test('IAM: ElastiCache describe/modify on this replication group only; secret writes on this secret only; nothing else on "*" but actions without a resource type', () => {
    const roleId = getAttOf(fn().Role);
    const statements = statementsOf(resources(t()), roleId);
    const ec = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('elasticache:')));
    expect(ec).toHaveLength(1);
    expect(actionsOf(ec[0]).sort()).toEqual([
      'elasticache:DescribeReplicationGroups',
      'elasticache:ModifyReplicationGroup',
    ]);
    expect(JSON.stringify(ec[0].Resource)).toMatch(/:replicationgroup:[a-z0-9-]+-cache"/);
    expect(JSON.stringify(ec[0].Resource)).not.toContain('*');

    const [secretId] = only(t(), 'AWS::SecretsManager::Secret');
    const writes = statements.filter((s) => actionsOf(s).includes('secretsmanager:PutSecretValue'));
    expect(writes).toHaveLength(1);
    expect(writes[0].Resource).toEqual({ Ref: secretId });
    expect(actionsOf(writes[0]).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);

    const wildcard = statements.filter((s) => s.Resource === '*').flatMap(actionsOf);
    for (const action of wildcard) {
      expect(action).toMatch(
        /^(secretsmanager:GetRandomPassword|xray:Put\w+|ec2:(Create|Describe|Delete|Assign|Unassign)\w*NetworkInterfaces?|ec2:\w+PrivateIpAddresses|ec2:DescribeSubnets)$/,
      );
    }
    expect(wildcard).toContain('secretsmanager:GetRandomPassword');
  });

  test('network: private-with-egress subnets in every AZ; out only HTTPS (APIs) and the cache port to the cache security group', () => {
    const all = subnets(t().toJSON() as Parameters<typeof subnets>[0]);
    const fnSubnets = fn().VpcConfig.SubnetIds.map((s: unknown) => all.get(refId(s))!);
    expect(new Set(fnSubnets.map((s: { type: string }) => s.type))).toEqual(new Set(['Private']));
    expect(fnSubnets.map((s: { az: string }) => s.az).sort()).toEqual(
      [...side().stack.ctx.region.availabilityZones].sort(),
    );

    const sgId = logicalId(rotation().securityGroup);
    expect(fn().VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
    const sg = resources(t())[sgId].Properties;
    const cacheSgId = logicalId(side().built.connections.securityGroups[0]);
    const egress = [
      ...(sg.SecurityGroupEgress ?? []),
      ...ofType(t(), 'AWS::EC2::SecurityGroupEgress')
        .map(([, r]) => r.Properties)
        .filter((r) => getAttOf(r.GroupId) === sgId),
    ];
    expect(
      egress
        .map((e) => `${e.CidrIp ?? getAttOf(e.DestinationSecurityGroupId)}:${e.FromPort}-${e.ToPort}`)
        .sort(),
    ).toEqual([`${cacheSgId}:6379-6379`, '0.0.0.0/0:443-443'].sort());
    expect(sg.SecurityGroupIngress).toBeUndefined();
  });
});

test('cdk-nag AwsSolutions reports no unacknowledged finding (SMG4 is fixed, not acknowledged)', () => {
  expect(fx.nagFailure).toBeUndefined();
});

describe('in the whole app: the APIs the function calls are reachable from its subnets', () => {
  let app: SynthesizedTemplates;
  beforeAll(() => {
    app = defaultApp();
  });

  test.each(['primary', 'secondary'] as const)(
    '%s: Secrets Manager through an interface endpoint (private DNS) in the function subnets; the ElastiCache API through a NAT route from each of them',
    (role) => {
      const t = app.json[stackName(app.config, role)];
      const all = Object.entries(t.Resources);
      const [, fn] = all.find(
        ([, r]) =>
          r.Type === 'AWS::Lambda::Function' && /AUTH token of/.test(r.Properties?.Description ?? ''),
      )!;
      const fnSubnets = (fn.Properties.VpcConfig.SubnetIds as unknown[]).map(refId).sort();

      const sm = all.filter(
        ([, r]) =>
          r.Type === 'AWS::EC2::VPCEndpoint' &&
          JSON.stringify(r.Properties.ServiceName).includes('secretsmanager'),
      );
      expect(sm).toHaveLength(1);
      expect(sm[0][1].Properties.PrivateDnsEnabled).toBe(true);
      expect((sm[0][1].Properties.SubnetIds as unknown[]).map(refId).sort()).toEqual(fnSubnets);

      const tableOf = new Map(
        all
          .filter(([, r]) => r.Type === 'AWS::EC2::SubnetRouteTableAssociation')
          .map(([, r]) => [refId(r.Properties.SubnetId), refId(r.Properties.RouteTableId)]),
      );
      const natTables = new Set(
        all
          .filter(([, r]) => r.Type === 'AWS::EC2::Route' && r.Properties.NatGatewayId)
          .filter(([, r]) => r.Properties.DestinationCidrBlock === '0.0.0.0/0')
          .map(([, r]) => refId(r.Properties.RouteTableId)),
      );
      for (const subnet of fnSubnets) expect(natTables.has(tableOf.get(subnet)!)).toBe(true);
    },
  );
});

describe('validation', () => {
  const build = (overrides: Partial<CacheAuthRotationProps>, transit = true) => {
    const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    const group = new elasticache.CfnReplicationGroup(stack, 'Group', {
      replicationGroupId: 'rg',
      replicationGroupDescription: 'rg',
      transitEncryptionEnabled: transit,
    });
    return () =>
      new CacheAuthRotation(stack, 'Rotation', {
        vpc,
        secret: new secretsmanager.Secret(stack, 'Secret'),
        replicationGroup: group,
        port: 6379,
        cacheConnections: new ec2.Connections({ securityGroups: [sg], defaultPort: ec2.Port.tcp(6379) }),
        ...overrides,
      });
  };

  test.each<[string, Partial<CacheAuthRotationProps>, RegExp]>([
    ['rotationDays 0', { rotationDays: 0 }, /rotationDays = 0; allowed: an integer 1-365/],
    ['graceMinutes 5', { graceMinutes: 5 }, /graceMinutes = 5; allowed: an integer 15-1440/],
    [
      'grace as long as the rotation interval',
      { rotationDays: 1, graceMinutes: 1440 },
      /graceMinutes = 1440 is not shorter than rotationDays = 1/,
    ],
    [
      'an enforcement pass rarer than the grace',
      { graceMinutes: 30, enforcementInterval: Duration.hours(1) },
      /enforcementInterval = 60 min; allowed: 1 minute to graceMinutes \(30\)/,
    ],
  ])('GIVEN %s THEN a clear error', (_name, overrides, message) => {
    expect(build(overrides)).toThrow(message);
  });

  test('GIVEN a group without TLS THEN it refuses (ElastiCache AUTH needs in-transit encryption)', () => {
    expect(build({}, false)).toThrow(/rg has transitEncryptionEnabled off; AUTH tokens need TLS/);
  });
});
