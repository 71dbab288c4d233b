import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { loadConfig, windowsOverlap } from '../../lib/config';
import { Cache, nodeGroupPlacement, parameterGroupFamily } from '../../lib/constructs/cache';
import { cacheProps } from '../../lib/stacks/regional-props';
import {
  FIXTURE_DR_SECRETS_KEY_ARN,
  getAttOf,
  ofType,
  only,
  refOf,
  resources,
  synthDataTier,
  type DataTierFixture,
  type FixtureStack,
} from './data-tier-fixture';

/**
 * INV-CACHE: the Cache construct in a primary and a secondary fixture stack (default config:
 * Valkey 8.0, 3 shards x 1 replica over 3 AZs), synthesized once with cdk-nag.
 */

type Built = { cache: Cache; fleetRole: iam.Role };

let fx: DataTierFixture<Built>;
beforeAll(() => {
  fx = synthDataTier((stack: FixtureStack, config) => {
    const cache = new Cache(stack, 'Cache', { vpc: stack.vpc, ...cacheProps(config, stack.ctx.role) });
    cache.connections.allowDefaultPortFrom(stack.clientSecurityGroup);
    const fleetRole = new iam.Role(stack, 'FleetRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    });
    cache.grantReadAuth(fleetRole);
    return { cache, fleetRole };
  });
});

describe.each(['primary', 'secondary'] as const)('%s region cache', (role) => {
  const side = () => fx[role];
  const t = () => side().template;
  const azs = () => side().stack.ctx.region.availabilityZones;
  const group = () => only(t(), 'AWS::ElastiCache::ReplicationGroup')[1].Properties;

  test('engine from config, cluster mode on with a cluster-enabled parameter group', () => {
    expect(group().Engine).toBe('valkey');
    expect(group().EngineVersion).toBe(fx.config.cache.engineVersion);
    expect(group().ClusterMode).toBe('enabled');
    const params = resources(t())[refOf(group().CacheParameterGroupName)];
    expect(params.Properties.CacheParameterGroupFamily).toBe('valkey8');
    expect(params.Properties.Properties['cluster-enabled']).toBe('yes');
  });

  test('GIVEN 3 shards x 1 replica THEN >= 2 shards, >= 1 replica each, Multi-AZ and automatic failover', () => {
    expect(group().NumNodeGroups).toBe(fx.config.cache.shards);
    expect(group().NumNodeGroups).toBeGreaterThanOrEqual(2);
    expect(group().ReplicasPerNodeGroup).toBe(fx.config.cache.replicasPerShard);
    expect(group().ReplicasPerNodeGroup).toBeGreaterThanOrEqual(1);
    expect(group().MultiAZEnabled).toBe(true);
    expect(group().AutomaticFailoverEnabled).toBe(true);
  });

  test('each shard places its nodes in distinct configured AZs and the primaries cover every AZ', () => {
    const shards = group().NodeGroupConfiguration as any[];
    expect(shards).toHaveLength(fx.config.cache.shards);
    for (const shard of shards) {
      const nodes = [shard.PrimaryAvailabilityZone, ...shard.ReplicaAvailabilityZones];
      expect(nodes).toHaveLength(1 + fx.config.cache.replicasPerShard);
      expect(new Set(nodes).size).toBe(nodes.length);
      for (const az of nodes) expect(azs()).toContain(az);
    }
    expect(new Set(shards.map((s) => s.PrimaryAvailabilityZone))).toEqual(new Set(azs()));
    expect(new Set(shards.map((s) => s.NodeGroupId)).size).toBe(shards.length);
  });

  test('TLS required in transit, encryption at rest under a rotating customer key', () => {
    expect(group().TransitEncryptionEnabled).toBe(true);
    expect(group().TransitEncryptionMode).toBe('required');
    expect(group().AtRestEncryptionEnabled).toBe(true);
    const key = resources(t())[getAttOf(group().KmsKeyId)];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
  });

  test('AUTH token comes from a generated Secrets Manager secret safe for ElastiCache', () => {
    const [secretId, secret] = only(t(), 'AWS::SecretsManager::Secret');
    const token = JSON.stringify(group().AuthToken);
    expect(token).toContain('{{resolve:secretsmanager:');
    expect(token).toContain(secretId);
    const gen = secret.Properties.GenerateSecretString;
    expect(gen.PasswordLength).toBeGreaterThanOrEqual(16);
    expect(gen.PasswordLength).toBeLessThanOrEqual(128);
    // No punctuation means none of the characters AUTH refuses (@ " / and spaces).
    expect(gen.ExcludePunctuation).toBe(true);
    expect(gen.IncludeSpace).toBe(false);
  });

  test('daily snapshots kept >= 1 day, a maintenance window that does not overlap them, snapshot on delete', () => {
    const [, rg] = only(t(), 'AWS::ElastiCache::ReplicationGroup');
    expect(rg.Properties.SnapshotRetentionLimit).toBeGreaterThanOrEqual(1);
    expect(rg.Properties.SnapshotWindow).toMatch(/^\d\d:\d\d-\d\d:\d\d$/);
    expect(windowsOverlap(rg.Properties.SnapshotWindow, rg.Properties.PreferredMaintenanceWindow)).toBe(
      false,
    );
    expect(rg.DeletionPolicy).toBe('Snapshot');
  });

  test('nodes live in isolated subnets of every AZ', () => {
    const subnetGroup = resources(t())[refOf(group().CacheSubnetGroupName)];
    const subnets = (subnetGroup.Properties.SubnetIds as unknown[]).map(
      (s) => resources(t())[refOf(s)].Properties,
    );
    expect(new Set(subnets.map((s) => s.AvailabilityZone))).toEqual(new Set(azs()));
    for (const s of subnets) {
      expect(s.Tags).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: 'Isolated' });
    }
  });

  test('the cache security group admits only the client and the token-rotation security groups, on the cache port', () => {
    const stack = side().stack;
    const clientSg = stack.getLogicalId(stack.clientSecurityGroup.node.defaultChild as never);
    const rotationSg = stack.getLogicalId(
      side().built.cache.authRotation.securityGroup.node.defaultChild as never,
    );
    const cacheSgId = stack.getLogicalId(
      side().built.cache.connections.securityGroups[0].node.defaultChild as never,
    );
    expect(group().SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [cacheSgId, 'GroupId'] }]);
    const ingress = ofType(t(), 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties)
      .filter((r) => getAttOf(r.GroupId) === cacheSgId);
    expect(ingress.map((r) => getAttOf(r.SourceSecurityGroupId)).sort()).toEqual(
      [clientSg, rotationSg].sort(),
    );
    for (const rule of ingress) {
      expect([rule.FromPort, rule.ToPort]).toEqual([group().Port, group().Port]);
      expect(rule.CidrIp).toBeUndefined();
    }
  });

  test('grantReadAuth lets the fleet read the AUTH secret and decrypt it with the region keys stack key, nothing else', () => {
    const stack = side().stack;
    const roleId = stack.getLogicalId(side().built.fleetRole.node.defaultChild as never);
    const [secretId] = only(t(), 'AWS::SecretsManager::Secret');
    const statements = ofType(t(), 'AWS::IAM::Policy')
      .filter(([, r]) => (r.Properties.Roles as unknown[]).some((x) => refOf(x) === roleId))
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
    // The primary's secrets key is in the stack (its key policy names the readers); the DR region's is its keys
    // stack's (SecretsKey.useShared), so the decrypt grant sits in the role's own policy.
    expect(statements).toHaveLength(role === 'primary' ? 1 : 2);
    const read = statements.find((st: any) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(read.Resource).toEqual({ Ref: secretId });
    expect(read.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    if (role === 'primary') return;
    const decrypt = statements.find((st: any) => st !== read);
    expect(decrypt).toEqual({
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: FIXTURE_DR_SECRETS_KEY_ARN(fx.config.dr),
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${fx.config.dr.region}.amazonaws.com` },
      },
    });
  });
});

test('cdk-nag AwsSolutions reports no unacknowledged finding for either stack', () => {
  expect(fx.nagFailure).toBeUndefined();
});

describe('placement and family helpers', () => {
  test('GIVEN 2 AZs and 1 replica THEN each shard alternates primary AZ and keeps its replica in the other AZ', () => {
    const placement = nodeGroupPlacement({ shards: 4, replicasPerShard: 1 }, ['x-1a', 'x-1b']);
    expect(placement.map((s) => [s.primaryAvailabilityZone, ...(s.replicaAvailabilityZones ?? [])])).toEqual([
      ['x-1a', 'x-1b'],
      ['x-1b', 'x-1a'],
      ['x-1a', 'x-1b'],
      ['x-1b', 'x-1a'],
    ]);
  });

  test('parameter group families follow engine naming (valkey8, redis7, redis6.x)', () => {
    expect(parameterGroupFamily({ engine: 'valkey', engineVersion: '8.0' })).toBe('valkey8');
    expect(parameterGroupFamily({ engine: 'redis', engineVersion: '7.1' })).toBe('redis7');
    expect(parameterGroupFamily({ engine: 'redis', engineVersion: '6.2' })).toBe('redis6.x');
  });

  test('GIVEN Redis OSS 5.0 WHEN the construct is built THEN it refuses, naming the field', () => {
    // Config validation refuses it first (test/config/aws-facts.test.ts); the construct guards on its own.
    const valid = loadConfig().config;
    const config = { ...valid, cache: { ...valid.cache, engine: 'redis' as const, engineVersion: '5.0' } };
    const stack = new Stack(undefined, 'Bad', { env: { account: '111111111111', region: 'us-east-1' } });
    expect(
      () => new Cache(stack, 'Cache', { vpc: undefined as never, ...cacheProps(config, 'primary') }),
    ).toThrow(/cache\.engineVersion = "5\.0"/);
  });
});

test.each(['primary', 'secondary'] as const)(
  'GIVEN the %s role THEN replicationGroupArn names the replication group in the template',
  (role) => {
    const side = fx[role];
    const [, group] = only(side.template, 'AWS::ElastiCache::ReplicationGroup');
    expect(side.stack.resolve(side.built.cache.replicationGroupArn)).toBe(
      `arn:aws:elasticache:${side.stack.region}:111111111111:replicationgroup:${group.Properties.ReplicationGroupId}`,
    );
  },
);
