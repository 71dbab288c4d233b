import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { loadConfig, secretsKeyAlias } from '../../lib/config';
import { Database } from '../../lib/constructs/database';
import { databaseProps } from '../../lib/stacks/regional-props';
import {
  getAttOf,
  ofType,
  FIXTURE_DR_SECRETS_KEY_ARN,
  only,
  refOf,
  resources,
  synthDataTier,
  type DataTierFixture,
  type FixtureStack,
} from './data-tier-fixture';

/**
 * INV-DB: the Database construct in a primary and a secondary fixture stack (default config:
 * 3 AZs, 2 readers, 2 DR instances, proxy on), synthesized once with cdk-nag.
 */

type Built = { database: Database; fleetRole: iam.Role };

let fx: DataTierFixture<Built>;
beforeAll(() => {
  fx = synthDataTier(
    (stack: FixtureStack, config) => {
      const database = new Database(stack, 'Database', {
        vpc: stack.vpc,
        ...databaseProps(config, stack.ctx.role),
      });
      database.connections.allowDefaultPortFrom(stack.clientSecurityGroup);
      const fleetRole = new iam.Role(stack, 'FleetRole', {
        assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      });
      database.grantReadAppSecret(fleetRole);
      return { database, fleetRole };
    },
    // The built-in CloudFormation validator covers these resources in the full-app CLI synth
    // (test/app/offline-synth.int.test.ts); running it here too would double the file's time.
    { builtInValidation: false },
  );
});

/** Logical id of a stack-level construct in a template. */
const idOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
/** Subnet logical id -> { az, type } from the fixture VPC. */
const subnetInfo = (t: Template) =>
  new Map(
    ofType(t, 'AWS::EC2::Subnet').map(([id, r]) => [
      id,
      {
        az: r.Properties.AvailabilityZone as string,
        type: (r.Properties.Tags as { Key: string; Value: string }[]).find(
          (x) => x.Key === 'aws-cdk:subnet-type',
        )!.Value,
      },
    ]),
  );

describe('primary region', () => {
  const t = () => fx.primary.template;
  const azs = () => fx.config.primary.availabilityZones;

  test('GIVEN readers = 2 WHEN synthesized THEN writer + 2 readers, one per AZ, writer tier 0 and readers tier 1', () => {
    const instances = ofType(t(), 'AWS::RDS::DBInstance').map(([, r]) => r.Properties);
    expect(instances).toHaveLength(fx.config.database.readers + 1);
    expect(new Set(instances.map((i) => i.AvailabilityZone))).toEqual(new Set(azs()));
    const writer = instances.filter((i) => i.PromotionTier === 0);
    expect(writer).toHaveLength(1);
    const readers = instances.filter((i) => i !== writer[0]);
    // Every reader is a promotion candidate ahead of any default-tier (2+) instance, in another AZ.
    for (const r of readers) {
      expect(r.PromotionTier).toBe(1);
      expect(r.AvailabilityZone).not.toBe(writer[0].AvailabilityZone);
      expect(r.DBInstanceClass).toBe(writer[0].DBInstanceClass);
    }
    for (const i of instances) {
      expect(i.PubliclyAccessible).toBe(false);
      expect(i.MonitoringInterval).toBe(60);
      expect(i.EnablePerformanceInsights).toBe(true);
    }
  });

  test('storage is encrypted with a customer-managed key that rotates', () => {
    const [, cluster] = only(t(), 'AWS::RDS::DBCluster');
    expect(cluster.Properties.StorageEncrypted).toBe(true);
    const keyId = getAttOf(cluster.Properties.KmsKeyId);
    expect(resources(t())[keyId].Type).toBe('AWS::KMS::Key');
    expect(resources(t())[keyId].Properties.EnableKeyRotation).toBe(true);
    // Performance Insights data uses the same customer key.
    for (const [, i] of ofType(t(), 'AWS::RDS::DBInstance')) {
      expect(getAttOf(i.Properties.PerformanceInsightsKMSKeyId)).toBe(keyId);
    }
  });

  test('deletion protection, a final snapshot on delete, backup retention and no IAM auth', () => {
    const [, cluster] = only(t(), 'AWS::RDS::DBCluster');
    expect(cluster.Properties.DeletionProtection).toBe(true);
    expect(cluster.DeletionPolicy).toBe('Snapshot');
    expect(cluster.Properties.BackupRetentionPeriod).toBe(14);
    expect(cluster.Properties.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
    // Off: nothing uses IAM tokens (passwords from Secrets Manager only).
    expect(cluster.Properties.EnableIAMDatabaseAuthentication).toBe(false);
    expect(cluster.Properties.EnableCloudwatchLogsExports).toEqual(['postgresql']);
    expect(cluster.Properties.Engine).toBe('aurora-postgresql');
    expect(cluster.Properties.EngineVersion).toBe('16.6');
    expect(cluster.Properties.DBClusterIdentifier).toBe('ha-ref-us-east-1');
  });

  test('the cluster parameter group forces TLS (rds.force_ssl = 1)', () => {
    const [, cluster] = only(t(), 'AWS::RDS::DBCluster');
    const group = resources(t())[refOf(cluster.Properties.DBClusterParameterGroupName)];
    expect(group.Type).toBe('AWS::RDS::DBClusterParameterGroup');
    expect(group.Properties.Parameters['rds.force_ssl']).toBe('1');
  });

  test('the cluster lives in isolated subnets of every AZ', () => {
    const [, cluster] = only(t(), 'AWS::RDS::DBCluster');
    const group = resources(t())[refOf(cluster.Properties.DBSubnetGroupName)];
    const info = subnetInfo(t());
    const subnets = (group.Properties.SubnetIds as unknown[]).map((s) => info.get(refOf(s))!);
    expect(new Set(subnets.map((s) => s.type))).toEqual(new Set(['Isolated']));
    expect(new Set(subnets.map((s) => s.az))).toEqual(new Set(azs()));
  });

  test('a global cluster with the configured identifier is made from the primary cluster', () => {
    const [, global] = only(t(), 'AWS::RDS::GlobalCluster');
    expect(global.Properties.GlobalClusterIdentifier).toBe('ha-ref-global');
    const [clusterId] = only(t(), 'AWS::RDS::DBCluster');
    expect(refOf(global.Properties.SourceDBClusterIdentifier)).toBe(clusterId);
    expect(global.Properties.DeletionProtection).toBe(true);
  });

  test('master and app-user secrets have fixed names and are replicated to the DR region', () => {
    const secrets = ofType(t(), 'AWS::SecretsManager::Secret').map(([, r]) => r.Properties);
    const byName = new Map(secrets.map((s) => [s.Name, s]));
    for (const name of ['ha-ref/db/master', 'ha-ref/db/app-user']) {
      // under the DR region's secrets key (its keys stack's alias), never the AWS managed key
      expect(byName.get(name)?.ReplicaRegions).toEqual([
        {
          Region: fx.config.dr.region,
          KmsKeyId: `arn:aws:kms:${fx.config.dr.region}:${fx.config.primary.account}:${secretsKeyAlias(fx.config)}`,
        },
      ]);
    }
    const appTemplate = JSON.stringify(byName.get('ha-ref/db/app-user')!.GenerateSecretString);
    expect(appTemplate).toContain('app_service');
    expect(appTemplate).toContain('masterarn');
  });

  test('both secrets rotate on schedule through rotation Lambdas in private-with-egress subnets', () => {
    const schedules = ofType(t(), 'AWS::SecretsManager::RotationSchedule');
    expect(schedules).toHaveLength(2);
    for (const [, s] of schedules) {
      expect(s.Properties.RotationRules.ScheduleExpression).toBe(
        `rate(${fx.config.database.rotationDays} days)`,
      );
    }
    const apps = ofType(t(), 'AWS::Serverless::Application');
    expect(apps).toHaveLength(2);
    const info = subnetInfo(t());
    for (const [, app] of apps) {
      const parts = app.Properties.Parameters.vpcSubnetIds['Fn::Join'][1] as unknown[];
      const subnets = parts.filter((p) => p !== ',').map((p) => info.get(refOf(p))!);
      expect(new Set(subnets.map((s) => s.type))).toEqual(new Set(['Private']));
      expect(new Set(subnets.map((s) => s.az))).toEqual(new Set(fx.config.primary.availabilityZones));
    }
    // Both single-user: RDS Proxy authenticates with the app-user secret and knows one fixed role
    // name, so alternating-user rotation (which switches the secret to a clone user) would lock it out.
    expect(apps.filter(([, a]) => a.Properties.Parameters.masterSecretArn)).toHaveLength(0);
    const mappings = (t().toJSON() as { Mappings: Record<string, Record<string, { applicationId: string }>> })
      .Mappings;
    for (const [, app] of apps) {
      const [mapping] = app.Properties.Location.ApplicationId['Fn::FindInMap'] as [string];
      expect(mappings[mapping].aws.applicationId).toMatch(/SecretsManagerRDSPostgreSQLRotationSingleUser$/);
    }
  });

  test('the bootstrap creates app_service against the cluster (not the proxy) before any rotation runs', () => {
    const [crId, cr] = only(t(), 'Custom::DbAppUser');
    expect(cr.Properties.Username).toBe('app_service');
    const [clusterId] = only(t(), 'AWS::RDS::DBCluster');
    expect(cr.Properties.Host).toEqual({ 'Fn::GetAtt': [clusterId, 'Endpoint.Address'] });
    for (const [, s] of ofType(t(), 'AWS::SecretsManager::RotationSchedule'))
      expect(s.DependsOn).toContain(crId);
    for (const [instanceId] of ofType(t(), 'AWS::RDS::DBInstance'))
      expect(cr.DependsOn).toContain(instanceId);
  });

  test('the bootstrap function runs in private-with-egress subnets and verifies TLS with the RDS CAs', () => {
    const fn = ofType(t(), 'AWS::Lambda::Function').find(
      ([, r]) => r.Properties.Environment?.Variables?.NODE_EXTRA_CA_CERTS,
    )!;
    expect(fn).toBeDefined();
    const info = subnetInfo(t());
    const types = (fn[1].Properties.VpcConfig.SubnetIds as unknown[]).map((s) => info.get(refOf(s))!.type);
    expect(new Set(types)).toEqual(new Set(['Private']));
    expect(fn[1].Properties.Environment.Variables.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');
  });

  test('an RDS Proxy requiring TLS authenticates the app user only, with a read-only endpoint', () => {
    const [proxyId, proxy] = only(t(), 'AWS::RDS::DBProxy');
    expect(proxy.Properties.RequireTLS).toBe(true);
    const [, , appAttachment] = [...appSecretIds(t())];
    expect(proxy.Properties.Auth.map((a: any) => refOf(a.SecretArn))).toEqual([appAttachment]);
    const [, endpoint] = only(t(), 'AWS::RDS::DBProxyEndpoint');
    expect(endpoint.Properties.TargetRole).toBe('READ_ONLY');
    expect(refOf(endpoint.Properties.DBProxyName)).toBe(proxyId);
    const stack = fx.primary.stack;
    expect(stack.resolve(fx.primary.built.database.writerEndpoint)).toEqual({
      'Fn::GetAtt': [proxyId, 'Endpoint'],
    });
  });

  test('the fleet may read the app-user secret and never the master secret', () => {
    const [masterAttachment, , appAttachment] = [...appSecretIds(t())];
    const policy = fleetPolicy(t(), fx.primary.stack, fx.primary.built.fleetRole);
    const resourcesGranted = JSON.stringify(policy.map((s: any) => s.Resource));
    expect(resourcesGranted).toContain(appAttachment);
    expect(resourcesGranted).not.toContain(masterAttachment);
    expect(policy.flatMap((s: any) => [s.Action].flat())).toEqual(
      expect.arrayContaining(['secretsmanager:GetSecretValue']),
    );
  });
});

describe('secondary (DR) region', () => {
  const t = () => fx.secondary.template;

  test('the secondary cluster joins the configured global cluster with the primary engine version', () => {
    const [, cluster] = only(t(), 'AWS::RDS::DBCluster');
    const [, primaryCluster] = only(fx.primary.template, 'AWS::RDS::DBCluster');
    const [, global] = only(fx.primary.template, 'AWS::RDS::GlobalCluster');
    expect(cluster.Properties.GlobalClusterIdentifier).toBe(global.Properties.GlobalClusterIdentifier);
    expect(cluster.Properties.Engine).toBe(primaryCluster.Properties.Engine);
    expect(cluster.Properties.EngineVersion).toBe(primaryCluster.Properties.EngineVersion);
    expect(cluster.Properties.DBClusterIdentifier).toBe('ha-ref-us-west-2');
  });

  test('the secondary cluster sets no master credentials and the DR stack creates no secret', () => {
    const [, cluster] = only(t(), 'AWS::RDS::DBCluster');
    for (const key of ['MasterUsername', 'MasterUserPassword', 'ManageMasterUserPassword', 'DatabaseName']) {
      expect(cluster.Properties).not.toHaveProperty(key);
    }
    expect(ofType(t(), 'AWS::SecretsManager::Secret')).toHaveLength(0);
    expect(ofType(t(), 'AWS::SecretsManager::RotationSchedule')).toHaveLength(0);
    expect(ofType(t(), 'AWS::RDS::GlobalCluster')).toHaveLength(0);
  });

  test('its own rotating KMS key, deletion protection, snapshot on delete, retention and forced TLS', () => {
    const [, cluster] = only(t(), 'AWS::RDS::DBCluster');
    expect(cluster.Properties.StorageEncrypted).toBe(true);
    const key = resources(t())[getAttOf(cluster.Properties.KmsKeyId)];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(cluster.Properties.DeletionProtection).toBe(true);
    expect(cluster.DeletionPolicy).toBe('Snapshot');
    expect(cluster.Properties.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
    expect(cluster.Properties.EnableIAMDatabaseAuthentication).toBe(false);
    const group = resources(t())[refOf(cluster.Properties.DBClusterParameterGroupName)];
    expect(group.Properties.Parameters['rds.force_ssl']).toBe('1');
  });

  test('GIVEN drInstances = 2 THEN two instances in distinct AZs, one tier 0 and one tier 1', () => {
    const [clusterId] = only(t(), 'AWS::RDS::DBCluster');
    const instances = ofType(t(), 'AWS::RDS::DBInstance').map(([, r]) => r.Properties);
    expect(instances).toHaveLength(fx.config.database.drInstances);
    for (const i of instances) {
      expect(refOf(i.DBClusterIdentifier)).toBe(clusterId);
      expect(fx.config.dr.availabilityZones).toContain(i.AvailabilityZone);
    }
    expect(new Set(instances.map((i) => i.AvailabilityZone)).size).toBe(instances.length);
    expect(instances.map((i) => i.PromotionTier).sort()).toEqual([0, 1]);
  });

  test('the fleet may read the replicated app-user secret by its name-derived ARN in the DR region', () => {
    const policy = fleetPolicy(t(), fx.secondary.stack, fx.secondary.built.fleetRole);
    const granted = JSON.stringify(fx.secondary.stack.resolve(policy.map((s: any) => s.Resource)));
    expect(granted).toContain(':secret:ha-ref/db/app-user-??????');
    expect(granted).toContain('us-west-2');
    expect(granted).not.toContain('db/master');
    // the replica is under the DR keys stack's key: decrypt on exactly it, through Secrets Manager there
    const decrypt = policy.filter((st: any) => [st.Action].flat().includes('kms:Decrypt'));
    expect(decrypt).toEqual([
      {
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: FIXTURE_DR_SECRETS_KEY_ARN(fx.config.dr),
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-west-2.amazonaws.com' } },
      },
    ]);
  });

  test('GIVEN a DR stack without a shared secrets key THEN granting the replica is refused', () => {
    const stack = new Stack(undefined, 'NoSharedKey', {
      env: { account: '111111111111', region: 'us-west-2' },
    });
    const ec2 = jest.requireActual('aws-cdk-lib/aws-ec2');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      availabilityZones: [...fx.config.dr.availabilityZones],
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const database = new Database(stack, 'Database', { vpc, ...databaseProps(fx.config, 'secondary') });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    expect(() => database.grantReadAppSecret(role)).toThrow(/keys stack key; call SecretsKey.useShared/);
  });
});

describe.each(['primary', 'secondary'] as const)('%s security groups', (role) => {
  test('the data tier admits only the client security group (and its own proxy/rotation/bootstrap)', () => {
    const side = fx[role];
    const t = side.template;
    const clientSg = idOf(side.stack, side.stack.clientSecurityGroup);
    const db = side.built.database;
    const entrySg = idOf(side.stack, db.connections.securityGroups[0]);
    const clusterSg = idOf(side.stack, db.clusterSecurityGroup);
    const ingress = ofType(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    const inline = ofType(t, 'AWS::EC2::SecurityGroup').flatMap(
      ([, r]) => r.Properties.SecurityGroupIngress ?? [],
    );
    // Nothing anywhere in the data tier from an address range.
    for (const rule of [...ingress, ...inline]) {
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.CidrIpv6).toBeUndefined();
    }
    const into = (sg: string) => ingress.filter((r) => getAttOf(r.GroupId) === sg);
    // Clients reach the entry point (proxy in the primary, cluster in DR) on 5432 only.
    const entryRules = into(entrySg);
    expect(entryRules.map((r) => getAttOf(r.SourceSecurityGroupId))).toEqual([clientSg]);
    expect(entryRules.every((r) => r.FromPort === 5432 && r.ToPort === 5432)).toBe(true);
    if (role === 'primary') {
      // The cluster itself is reached only by the proxy, the rotation Lambdas and the bootstrap.
      const sources = into(clusterSg).map((r) => getAttOf(r.SourceSecurityGroupId));
      expect(sources).not.toContain(clientSg);
      expect(sources).toContain(entrySg);
      expect(sources).toHaveLength(4);
    }
  });
});

test('cdk-nag AwsSolutions reports no unacknowledged finding for either stack', () => {
  expect(fx.nagFailure).toBeUndefined();
});

test('GIVEN a burstable instance class WHEN the construct is built THEN it refuses, naming the field', () => {
  // Config validation refuses it first (test/config/aws-facts.test.ts); the construct guards on its own.
  const valid = loadConfig().config;
  const config = { ...valid, database: { ...valid.database, instanceClass: 't4g.medium' } };
  const stack = new Stack(undefined, 'Bad', { env: { account: '111111111111', region: 'us-east-1' } });
  expect(
    () => new Database(stack, 'Database', { vpc: undefined as never, ...databaseProps(config, 'primary') }),
  ).toThrow(/database\.instanceClass = "t4g\.medium"/);
});

/** [master secret, master attachment, app attachment] logical ids in the primary template. */
function appSecretIds(t: Template): string[] {
  const secrets = ofType(t, 'AWS::SecretsManager::Secret');
  const master = secrets.find(([, r]) => r.Properties.Name === 'ha-ref/db/master')![0];
  const app = secrets.find(([, r]) => r.Properties.Name === 'ha-ref/db/app-user')![0];
  const attachments = ofType(t, 'AWS::SecretsManager::SecretTargetAttachment');
  const attachmentOf = (secret: string) =>
    attachments.find(([, r]) => refOf(r.Properties.SecretId) === secret)![0];
  return [master, attachmentOf(master), attachmentOf(app)];
}

/** Statements of the policies attached to the fixture fleet role. */
function fleetPolicy(t: Template, stack: Stack, role: iam.Role): any[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as never);
  const policies = ofType(t, 'AWS::IAM::Policy').filter(([, r]) =>
    (r.Properties.Roles as unknown[]).some((x) => refOf(x) === roleId),
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
}

test.each(['primary', 'secondary'] as const)(
  'GIVEN the %s role THEN `cluster` is a typed handle on the cluster in the template and `clusterArn` names it',
  (role) => {
    const side = fx[role];
    const { database } = side.built;
    const [clusterId, cluster] = only(side.template, 'AWS::RDS::DBCluster');
    expect(side.stack.resolve(database.cluster.clusterIdentifier)).toEqual({ Ref: clusterId });
    expect(side.stack.resolve(database.clusterArn)).toBe(
      `arn:aws:rds:${side.stack.region}:111111111111:cluster:${cluster.Properties.DBClusterIdentifier}`,
    );
    expect(database.cluster.connections.securityGroups.map((sg) => sg.securityGroupId)).toContain(
      database.clusterSecurityGroup.securityGroupId,
    );
  },
);
