import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheConfig } from '../config/schema';
import { CacheAuthRotation } from './cache-auth-rotation';
import { SecretsKey } from './secrets-key';

/** Default Redis/Valkey port; only named client security groups may reach it. */
export const CACHE_PORT = 6379;

export interface CacheProps {
  /** VPC with PRIVATE_ISOLATED subnets in every configured AZ. */
  readonly vpc: ec2.IVpc;
  /** Engine, node type, shards and replicas, snapshot and maintenance windows (the cache is regional: both roles build the same shape). */
  readonly cache: CacheConfig;
  /** AZs the shards' nodes rotate over (each shard's nodes in distinct AZs). */
  readonly availabilityZones: readonly string[];
  /** Prefix of this app's fixed names: replication group `<prefix>-cache`, key alias `alias/<prefix>/cache`. */
  readonly namePrefix: string;
}

/**
 * INV-CACHE. One ElastiCache replication group per region: Valkey or Redis OSS (config), cluster
 * mode on with `shards` node groups of 1 primary + `replicasPerShard` replicas, each shard's
 * nodes placed in distinct AZs (rotating over the configured AZs so primaries spread too),
 * Multi-AZ with automatic failover, TLS required, at-rest encryption under a customer key,
 * AUTH token from Secrets Manager (rotated: CacheAuthRotation), daily snapshots and a weekly maintenance window that does not
 * overlap them (the config validator refuses overlapping windows).
 *
 * Clients: `cache.connections.allowDefaultPortFrom(fleet.securityGroup)`, then
 * `cache.grantReadAuth(fleet.role)`; connect with TLS to `configurationEndpoint:port`.
 */
export class Cache extends Construct {
  public readonly replicationGroupId: string;
  /** ARN of the replication group, from its fixed id (FIS targets it; IAM scopes to it). */
  public readonly replicationGroupArn: string;
  /** Cluster-mode configuration endpoint host (a token). */
  public readonly configurationEndpoint: string;
  public readonly port: number = CACHE_PORT;
  public readonly connections: ec2.Connections;
  /** AUTH token secret: JSON `{ "token": "..." }`. */
  public readonly authSecret: secretsmanager.ISecret;
  /** Customer-managed key for data at rest and snapshots (rotation on). */
  public readonly encryptionKey: kms.IKey;
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** Rotates the AUTH token (Secrets Manager schedule, ROTATE then SET). */
  public readonly authRotation: CacheAuthRotation;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const { cache, vpc } = props;
    const azs = props.availabilityZones;
    this.replicationGroupId = `${props.namePrefix}-cache`;
    validateCache(cache, this.replicationGroupId);
    this.replicationGroupArn = Stack.of(this).formatArn({
      service: 'elasticache',
      resource: 'replicationgroup',
      resourceName: this.replicationGroupId,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // Retained on delete: the final snapshot stays encrypted under it.
    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `ElastiCache ${this.replicationGroupId} at-rest encryption`,
      alias: `alias/${props.namePrefix}/cache`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Valkey/Redis AUTH tokens: 16-128 printable characters without @ " / or spaces; alphanumeric is safe.
    const authSecret = new secretsmanager.Secret(this, 'AuthToken', {
      description: `AUTH token of ${this.replicationGroupId}`,
      encryptionKey: SecretsKey.of(this).key,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
    });
    this.authSecret = authSecret;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `ElastiCache ${this.replicationGroupId}: ingress only from allowed client security groups`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(CACHE_PORT),
    });

    const isolated = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `Isolated subnets of ${this.replicationGroupId}`,
      subnetIds: isolated.subnetIds,
    });

    const parameterGroup = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: parameterGroupFamily(cache),
      description: `Cluster mode for ${this.replicationGroupId}`,
      properties: { 'cluster-enabled': 'yes' },
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: this.replicationGroupId,
      replicationGroupDescription: `${props.namePrefix} cache (${cache.engine} ${cache.engineVersion}, cluster mode)`,
      engine: cache.engine,
      engineVersion: cache.engineVersion,
      cacheNodeType: cache.nodeType,
      cacheParameterGroupName: parameterGroup.ref,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      port: CACHE_PORT,
      clusterMode: 'enabled',
      numNodeGroups: cache.shards,
      replicasPerNodeGroup: cache.replicasPerShard,
      nodeGroupConfiguration: nodeGroupPlacement(cache, azs),
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: this.encryptionKey.keyArn,
      authToken: authSecret.secretValueFromJson('token').unsafeUnwrap(),
      snapshotWindow: cache.snapshotWindow,
      snapshotRetentionLimit: cache.snapshotRetentionDays,
      preferredMaintenanceWindow: cache.maintenanceWindow,
      autoMinorVersionUpgrade: true,
    });
    // Rotated by its own function (ROTATE, then SET after the grace period). The template keeps resolving
    // AWSCURRENT, which after each enforced rotation is the group's only token.
    this.authRotation = new CacheAuthRotation(this, 'AuthRotation', {
      vpc,
      secret: authSecret,
      replicationGroup: this.replicationGroup,
      port: CACHE_PORT,
      cacheConnections: this.connections,
      rotationDays: cache.authTokenRotationDays,
      graceMinutes: cache.authTokenGraceMinutes,
    });
    // The schedule grants the function the secret; with a shared (keys stack) secrets key the key
    // side is an IAM grant of its own.
    SecretsKey.of(this).grantReadWrite(this.authRotation.function);
    // Keep a final snapshot when the group is deleted or replaced.
    this.replicationGroup.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    this.configurationEndpoint = this.replicationGroup.attrConfigurationEndPointAddress;

    if (cache.engine === 'redis') {
      // cdk-nag's Redis-only rules; the Valkey default is not flagged.
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC5',
        reason:
          'Default port on purpose: ingress is limited to named client security groups in isolated subnets, with TLS and AUTH.',
      });
      if (cache.snapshotRetentionDays < 15) {
        Validations.of(this.replicationGroup).acknowledge({
          id: 'AwsSolutions-AEC2',
          reason: `The cache holds derived, rebuildable data; ${cache.snapshotRetentionDays} days of daily snapshots (config cache.snapshotRetentionDays) is the chosen cost trade-off.`,
        });
      }
    }
  }

  /** Lets `grantee` read the AUTH token (GetSecretValue/DescribeSecret on this secret only). */
  public grantReadAuth(grantee: iam.IGrantable): iam.Grant {
    SecretsKey.of(this).grantRead(grantee);
    return this.authSecret.grantRead(grantee);
  }
}

/**
 * Per-shard placement: shard i's primary in AZ i mod n and its replicas in the following AZs,
 * so no shard has two nodes in one AZ while it has no more nodes than there are AZs, and primaries
 * are spread. (With more than one shard
 * ElastiCache ignores the flat preferred-AZ list; this is the only way to control placement.)
 */
export function nodeGroupPlacement(
  cache: Pick<CacheConfig, 'shards' | 'replicasPerShard'>,
  azs: readonly string[],
): elasticache.CfnReplicationGroup.NodeGroupConfigurationProperty[] {
  return Array.from({ length: cache.shards }, (_, i) => ({
    nodeGroupId: String(i + 1).padStart(4, '0'),
    primaryAvailabilityZone: azs[i % azs.length],
    replicaCount: cache.replicasPerShard,
    replicaAvailabilityZones: Array.from(
      { length: cache.replicasPerShard },
      (_, r) => azs[(i + r + 1) % azs.length],
    ),
  }));
}

/** Parameter group family for an engine version: valkey8, valkey7, redis7, redis6.x. */
export function parameterGroupFamily(cache: Pick<CacheConfig, 'engine' | 'engineVersion'>): string {
  const major = Number(cache.engineVersion.split('.')[0]);
  if (cache.engine === 'valkey') return `valkey${major}`;
  return major >= 7 ? `redis${major}` : `redis${major}.x`;
}

function validateCache(cache: CacheConfig, replicationGroupId: string): void {
  const major = Number(cache.engineVersion.split('.')[0]);
  if (cache.engine === 'valkey' && major < 7) {
    throw new Error(`Cache: cache.engineVersion = "${cache.engineVersion}": Valkey starts at 7.2`);
  }
  if (cache.engine === 'redis' && major < 6) {
    throw new Error(
      `Cache: cache.engineVersion = "${cache.engineVersion}": Redis OSS 6.x or later is needed for TLS with AUTH and Multi-AZ cluster mode`,
    );
  }
  if (replicationGroupId.length > 40) {
    throw new Error(
      `Cache: replication group id "${replicationGroupId}" exceeds 40 characters (shorten appName)`,
    );
  }
}
