import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { RegionRole } from '../config/derived';
import type { AppConfig, DatabaseConfig } from '../config/schema';
import { DbBootstrap } from './db-bootstrap';
import { SecretsKey } from './secrets-key';

/** Aurora PostgreSQL listens on its default port; security groups, not obscurity, restrict it. */
export const DATABASE_PORT = 5432;

/** The service's own least-privilege database user, created by the bootstrap custom resource. */
export const APP_DB_USERNAME = 'app_service';

/** Schema the service user owns; it has no rights outside it. */
export const APP_DB_SCHEMA = 'app';

// Daily backup and weekly maintenance windows (UTC) that never overlap.
const BACKUP_WINDOW = '04:00-05:00';
const MAINTENANCE_WINDOW = 'sun:06:00-sun:07:00';

/** Fixed secret names: the primary creates them and replicates them, so DR reads them by name. */
export function databaseSecretNames(config: Pick<AppConfig, 'appName'>): {
  readonly master: string;
  readonly appUser: string;
} {
  return { master: `${config.appName}/db/master`, appUser: `${config.appName}/db/app-user` };
}

export interface DatabaseProps {
  /** VPC with PRIVATE_ISOLATED (cluster, proxy) and PRIVATE_WITH_EGRESS (rotation, bootstrap) subnets in every AZ. */
  readonly vpc: ec2.IVpc;
  /** Engine version, instance class and counts, credentials, backup and rotation settings, proxy. */
  readonly database: DatabaseConfig;
  /**
   * The region's role. `primary` creates the global cluster and the writer cluster with its
   * secrets; `secondary` creates the Global Database member cluster (no credentials).
   * Deliberately not "is the writer": switching `writerRegion` must not change any resource.
   */
  readonly role: RegionRole;
  /** This region's cluster identifier (deterministic: runbooks, snapshots and FIS name it); instances are `<id>-<n>`. */
  readonly clusterIdentifier: string;
  /** The global cluster's identifier (the primary creates it; the secondary attaches by this name). */
  readonly globalClusterIdentifier: string;
  /** AZs the instances are placed in, round robin from the writer (INV-DB: one per AZ). */
  readonly availabilityZones: readonly string[];
  /** Region the primary replicates its master and app-user secrets to (the DR region). Read in the primary only. */
  readonly secretReplicaRegion: string;
  /**
   * Alias of the key the replicas are encrypted with in `secretReplicaRegion`: the secrets key of
   * that region's keys stack, which deploys before the primary (secretsKeyAlias). Read in the primary only.
   */
  readonly secretReplicaKeyAlias: string;
  /**
   * Prefix of this app's fixed names: secrets `<prefix>/db/master` and `<prefix>/db/app-user`, key alias
   * `alias/<prefix>/aurora`, proxy `<prefix>-proxy` and `<prefix>-proxy-ro`.
   */
  readonly namePrefix: string;
}

/**
 * INV-DB. Aurora PostgreSQL, spread over the region's AZs, in a Global Database.
 *
 * - primary: an L2 `DatabaseCluster` (writer + `readers`), a `CfnGlobalCluster` made from it,
 *   a rotated master secret and a rotated app-user secret (both replicated to DR by fixed name),
 *   an RDS Proxy (TLS required) with a read-only endpoint, and the bootstrap that creates the
 *   app user.
 * - secondary: an L1 `CfnDBCluster` attached to the global cluster by identifier from config,
 *   with `drInstances` instances, its own KMS key and no master credentials.
 *
 * Clients connect through `connections` (the proxy in the primary when enabled, else the cluster):
 * `database.connections.allowDefaultPortFrom(fleet.securityGroup)`.
 */
export class Database extends Construct {
  /** This region's cluster identifier (deterministic, from config). */
  public readonly clusterIdentifier: string;
  /** The global cluster's identifier (the primary creates it; DR attaches by this name). */
  public readonly globalClusterIdentifier: string;
  /** Instance identifiers, writer (or first DR instance) first. */
  public readonly instanceIdentifiers: string[];
  /** Read-write endpoint: the proxy's when a proxy exists, else the cluster endpoint. */
  public readonly writerEndpoint: string;
  /** Read-only endpoint: the proxy's read-only endpoint when a proxy exists, else the reader endpoint. */
  public readonly readerEndpoint: string;
  public readonly port: number = DATABASE_PORT;
  /** What clients must be allowed into (proxy SG when a proxy exists, else the cluster SG). */
  public readonly connections: ec2.Connections;
  /** Security group of the cluster itself. */
  public readonly clusterSecurityGroup: ec2.ISecurityGroup;
  /** Name of the app-user secret; the same in both regions (replica in DR). */
  public readonly appUserSecretName: string;
  /** Name of the master secret (operators and runbooks only; never granted to instances). */
  public readonly masterSecretName: string;
  /** Customer-managed key for storage, Performance Insights (rotation on). */
  public readonly storageKey: kms.IKey;
  /**
   * This region's cluster in either role: the L2 cluster in the primary, a reference to the L1
   * Global Database member in the secondary.
   */
  public readonly cluster: rds.IDatabaseCluster;
  /** ARN of this region's cluster, from its deterministic identifier (known at synth, in either role). */
  public readonly clusterArn: string;
  /** The app-user secret (primary role only; DR uses the replica by name). */
  public readonly appUserSecret?: secretsmanager.ISecret;
  /** The RDS Proxy (primary role with `database.proxy` only). */
  public readonly proxy?: rds.DatabaseProxy;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { vpc } = props;
    const azs = props.availabilityZones;
    validateProps(props);

    this.clusterIdentifier = props.clusterIdentifier;
    this.globalClusterIdentifier = props.globalClusterIdentifier;
    this.clusterArn = Arn.format(
      {
        service: 'rds',
        resource: 'cluster',
        resourceName: this.clusterIdentifier,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    const names = databaseSecretNames({ appName: props.namePrefix });
    this.appUserSecretName = names.appUser;
    this.masterSecretName = names.master;

    // Retained on delete: the final snapshot and retained backups stay encrypted under it.
    const key = new kms.Key(this, 'StorageKey', {
      description: `Aurora storage and Performance Insights for ${this.clusterIdentifier}`,
      alias: `alias/${props.namePrefix}/aurora`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.storageKey = key;

    const securityGroup = new ec2.SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc,
      description: `Aurora ${this.clusterIdentifier}: ingress only from allowed client security groups`,
      allowAllOutbound: false,
    });
    this.clusterSecurityGroup = securityGroup;
    const isolated: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc,
      vpcSubnets: isolated,
      description: `Isolated subnets of ${this.clusterIdentifier}`,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const engine = rds.DatabaseClusterEngine.auroraPostgres({
      version: rds.AuroraPostgresEngineVersion.of(
        props.database.engineVersion,
        props.database.engineVersion.split('.')[0],
      ),
    });
    // TLS only: the server refuses unencrypted connections.
    const parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine,
      description: `TLS-only parameters for ${this.clusterIdentifier}`,
      parameters: { 'rds.force_ssl': '1' },
    });

    // Created up front with a retention so exported logs do not live forever (RDS would make it unbounded).
    const logGroup = new logs.LogGroup(this, 'PostgresqlLogs', {
      logGroupName: `/aws/rds/cluster/${this.clusterIdentifier}/postgresql`,
      // One year: the floor of AWS Control Tower CT.CLOUDWATCH.PR.2 (lib/aspects/log-group-defaults.ts).
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const monitoringRole = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole'),
      ],
    });
    Validations.of(monitoringRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      reason: 'AWS-maintained policy scoped to what RDS enhanced monitoring needs (write its own log group).',
    });

    const shared: SharedParts = {
      key,
      securityGroup,
      subnetGroup,
      parameterGroup,
      logGroup,
      monitoringRole,
      engine,
      azs,
      isolated,
    };
    if (props.role === 'primary') {
      const primary = this.createPrimary(props, shared);
      this.cluster = primary.cluster;
      this.appUserSecret = primary.appUserSecret;
      this.proxy = primary.proxy;
      this.instanceIdentifiers = primary.instanceIdentifiers;
      this.writerEndpoint = primary.writerEndpoint;
      this.readerEndpoint = primary.readerEndpoint;
      this.connections = primary.connections;
    } else {
      const secondary = this.createSecondary(props, shared);
      this.cluster = secondary.cluster;
      this.instanceIdentifiers = secondary.instanceIdentifiers;
      this.writerEndpoint = secondary.writerEndpoint;
      this.readerEndpoint = secondary.readerEndpoint;
      this.connections = new ec2.Connections({
        securityGroups: [securityGroup],
        defaultPort: ec2.Port.tcp(DATABASE_PORT),
      });
    }

    // Default port kept: clients get the port from config/SSM, and the security groups admit only
    // named client security groups, so a non-standard port would add no real protection.
    for (const cfn of this.node.findAll()) {
      if (cfn instanceof rds.CfnDBInstance) {
        Validations.of(cfn).acknowledge({
          id: 'CloudFormation-Validate::W3010',
          reason:
            'Each instance is pinned to one configured AZ on purpose (one per AZ, INV-DB), so a failover always promotes a reader in another AZ; the AZ names are validated against the region in config.',
        });
      }
      if (cfn instanceof rds.CfnDBCluster) {
        Validations.of(cfn).acknowledge({
          id: 'AwsSolutions-RDS11',
          reason:
            'Default PostgreSQL port on purpose: ingress is limited to named client security groups in isolated subnets; a non-default port adds no protection.',
        });
        for (const id of ['AwsSolutions-RDS6', 'CT.RDS.PR.4']) {
          Validations.of(cfn).acknowledge({
            id,
            reason:
              'IAM database authentication is off on purpose: every client logs in with a rotated password from Secrets Manager (through RDS Proxy, TLS required), so turning it on would only open a second login path (any IAM principal granted rds-db:connect) that nothing uses.',
          });
        }
      }
    }
  }

  /**
   * Lets `grantee` read the app-user secret in this region: the secret itself in the primary,
   * the replica (same name, ARN derived from it) in DR, with kms:Decrypt on the region's secrets
   * key through Secrets Manager (the replica is encrypted with it). Never grants the master secret.
   */
  public grantReadAppSecret(grantee: iam.IGrantable): iam.Grant {
    const secretsKey = SecretsKey.of(this);
    if (this.appUserSecret) {
      secretsKey.grantRead(grantee);
      return this.appUserSecret.grantRead(grantee);
    }
    if (!secretsKey.shared) {
      throw new Error(
        `Database: ${this.node.path} reads the app-user replica, which is encrypted with the region's keys stack key; ` +
          'call SecretsKey.useShared on the stack first',
      );
    }
    secretsKey.grantRead(grantee);
    const stack = Stack.of(this);
    // Secrets Manager appends "-" and 6 random characters to the name in the ARN.
    const replicaArn = Arn.format(
      {
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${this.appUserSecretName}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      stack,
    );
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns: [replicaArn],
    });
  }

  private createPrimary(props: DatabaseProps, parts: SharedParts): BuiltCluster & PrimaryExtras {
    const { database: db, vpc } = props;
    const instanceType = new ec2.InstanceType(db.instanceClass);
    const instanceIds = instanceIdentifiersFor(this.clusterIdentifier, db.readers + 1);
    // Both secrets are replicated to DR under the DR region's secrets key (never the AWS managed key).
    const replicaRegions: secretsmanager.ReplicaRegion[] = [
      {
        region: props.secretReplicaRegion,
        encryptionKey: SecretsKey.replicaKey(
          this,
          'SecretReplicaKey',
          props.secretReplicaRegion,
          props.secretReplicaKeyAlias,
        ),
      },
    ];
    const instance = (i: number) => ({
      instanceIdentifier: instanceIds[i],
      availabilityZone: parts.azs[i % parts.azs.length],
      // Writer tier 0, readers tier 1: on writer failure Aurora promotes a reader in another AZ.
      promotionTier: i === 0 ? 0 : 1,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: parts.key,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      // Global Database members must stay on the same version; upgrades are deliberate.
      autoMinorVersionUpgrade: false,
      publiclyAccessible: false,
    });

    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: parts.engine,
      clusterIdentifier: this.clusterIdentifier,
      credentials: rds.Credentials.fromGeneratedSecret(db.masterUsername, {
        secretName: this.masterSecretName,
        encryptionKey: SecretsKey.of(this).key,
        replicaRegions,
      }),
      writer: rds.ClusterInstance.provisioned('Instance1', { instanceType, ...instance(0) }),
      readers: Array.from({ length: db.readers }, (_, k) =>
        rds.ClusterInstance.provisioned(`Instance${k + 2}`, { instanceType, ...instance(k + 1) }),
      ),
      vpc,
      vpcSubnets: parts.isolated,
      subnetGroup: parts.subnetGroup,
      securityGroups: [parts.securityGroup],
      port: DATABASE_PORT,
      defaultDatabaseName: db.databaseName,
      parameterGroup: parts.parameterGroup,
      storageEncrypted: true,
      storageEncryptionKey: parts.key,
      // Password authentication from Secrets Manager only: nothing uses IAM tokens.
      iamAuthentication: false,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      copyTagsToSnapshot: true,
      backup: { retention: Duration.days(db.backupRetentionDays), preferredWindow: BACKUP_WINDOW },
      preferredMaintenanceWindow: MAINTENANCE_WINDOW,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(60),
      monitoringRole: parts.monitoringRole,
    });
    cluster.node.addDependency(parts.logGroup);
    for (const child of cluster.node.findAll()) {
      if (child instanceof rds.CfnDBInstance) acknowledgeMinorVersionPinning(child);
    }
    const masterSecret = cluster.secret!;

    // The global cluster is made from this cluster; DR attaches to it by identifier.
    const globalCluster = new rds.CfnGlobalCluster(this, 'GlobalCluster', {
      globalClusterIdentifier: this.globalClusterIdentifier,
      sourceDbClusterIdentifier: cluster.clusterIdentifier,
      deletionProtection: true,
    });
    // Deleting the stack must not drop the global database (DR may be its writer by then).
    globalCluster.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const rotationOptions = {
      automaticallyAfter: Duration.days(db.rotationDays),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    };
    cluster.addRotationSingleUser(rotationOptions);

    // The service's own user (masterarn lets the bootstrap create it with the master's rights).
    const appSecret = new rds.DatabaseSecret(this, 'AppUserSecret', {
      username: APP_DB_USERNAME,
      secretName: this.appUserSecretName,
      dbname: db.databaseName,
      masterSecret,
      encryptionKey: SecretsKey.of(this).key,
      replicaRegions,
    });
    const appUserSecret = appSecret.attach(cluster);
    // Single-user rotation: RDS Proxy authenticates with this secret and maps it to one fixed
    // role name; alternating-user rotation would switch the secret to a clone user the proxy has
    // no credentials for (aws-cdk issue 25568). The user changes its own password; clients that
    // still hold the old one re-read the secret on the authentication error.
    new secretsmanager.SecretRotation(cluster, 'AppUserRotation', {
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret: appUserSecret,
      target: cluster,
      vpc,
      vpcSubnets: rotationOptions.vpcSubnets,
      automaticallyAfter: rotationOptions.automaticallyAfter,
    });

    const bootstrap = new DbBootstrap(this, 'AppUserBootstrap', {
      vpc,
      database: cluster,
      host: cluster.clusterEndpoint.hostname,
      port: DATABASE_PORT,
      databaseName: db.databaseName,
      masterSecret,
      appUserSecret,
      username: APP_DB_USERNAME,
      schema: APP_DB_SCHEMA,
    });
    // Run once the instances are up and the bootstrap's ingress rule exists (not on the whole
    // cluster construct: it holds the rotation schedules, which must wait for the bootstrap).
    for (const c of cluster.node.findAll()) {
      if (c instanceof rds.CfnDBInstance) bootstrap.resource.node.addDependency(c);
    }
    bootstrap.resource.node.addDependency(parts.securityGroup);
    // A rotation must not start before the user it rotates (and a stable master password) exists.
    for (const c of this.node.findAll()) {
      if (c instanceof secretsmanager.RotationSchedule) c.node.addDependency(bootstrap.resource);
    }

    let writerEndpoint = cluster.clusterEndpoint.hostname;
    let readerEndpoint = cluster.clusterReadEndpoint.hostname;
    let connections = cluster.connections;
    let proxy: rds.DatabaseProxy | undefined;
    if (db.proxy) {
      const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
        vpc,
        description: `RDS Proxy of ${this.clusterIdentifier}: ingress only from allowed client security groups`,
        allowAllOutbound: false,
      });
      proxy = cluster.addProxy('Proxy', {
        vpc,
        vpcSubnets: parts.isolated,
        securityGroups: [proxySecurityGroup],
        secrets: [appUserSecret],
        requireTLS: true,
        dbProxyName: `${props.namePrefix}-proxy`,
      });
      // The proxy's own egress: only to the cluster.
      proxySecurityGroup.addEgressRule(parts.securityGroup, ec2.Port.tcp(DATABASE_PORT), 'Proxy to Aurora');
      const readOnly = new rds.DatabaseProxyEndpoint(this, 'ProxyReadOnlyEndpoint', {
        dbProxy: proxy,
        vpc,
        vpcSubnets: parts.isolated,
        securityGroups: [proxySecurityGroup],
        targetRole: rds.ProxyEndpointTargetRole.READ_ONLY,
        dbProxyEndpointName: `${props.namePrefix}-proxy-ro`,
      });
      writerEndpoint = proxy.endpoint;
      readerEndpoint = readOnly.endpoint;
      connections = new ec2.Connections({
        securityGroups: [proxySecurityGroup],
        defaultPort: ec2.Port.tcp(DATABASE_PORT),
      });
    }

    return {
      cluster,
      appUserSecret,
      proxy,
      instanceIdentifiers: instanceIds,
      writerEndpoint,
      readerEndpoint,
      connections,
    };
  }

  private createSecondary(props: DatabaseProps, parts: SharedParts): BuiltCluster & SecondaryExtras {
    const db = props.database;
    const engineVersion = db.engineVersion;
    // L1 on purpose: a Global Database secondary must not set master credentials, and the L2
    // DatabaseCluster always generates them (and has no global-cluster property).
    const cluster = new rds.CfnDBCluster(this, 'Cluster', {
      dbClusterIdentifier: this.clusterIdentifier,
      globalClusterIdentifier: this.globalClusterIdentifier,
      engine: 'aurora-postgresql',
      engineVersion,
      port: DATABASE_PORT,
      dbSubnetGroupName: parts.subnetGroup.subnetGroupName,
      vpcSecurityGroupIds: [parts.securityGroup.securityGroupId],
      dbClusterParameterGroupName: parts.parameterGroup.bindToCluster({}).parameterGroupName,
      storageEncrypted: true,
      kmsKeyId: parts.key.keyArn,
      enableIamDatabaseAuthentication: false,
      deletionProtection: true,
      copyTagsToSnapshot: true,
      backupRetentionPeriod: db.backupRetentionDays,
      preferredBackupWindow: BACKUP_WINDOW,
      preferredMaintenanceWindow: MAINTENANCE_WINDOW,
      enableCloudwatchLogsExports: ['postgresql'],
    });
    cluster.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    cluster.node.addDependency(parts.logGroup);

    const instanceIds = instanceIdentifiersFor(this.clusterIdentifier, db.drInstances);
    instanceIds.forEach((dbInstanceIdentifier, i) => {
      const instance = new rds.CfnDBInstance(this, `Instance${i + 1}`, {
        dbClusterIdentifier: cluster.ref,
        dbInstanceIdentifier,
        dbInstanceClass: `db.${db.instanceClass}`,
        engine: 'aurora-postgresql',
        availabilityZone: parts.azs[i % parts.azs.length],
        // First instance tier 0 (the writer after a promotion), the others tier 1 to take over from it.
        promotionTier: i === 0 ? 0 : 1,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: false,
        enablePerformanceInsights: true,
        performanceInsightsKmsKeyId: parts.key.keyArn,
        performanceInsightsRetentionPeriod: 7,
        monitoringInterval: 60,
        monitoringRoleArn: parts.monitoringRole.roleArn,
      });
      instance.applyRemovalPolicy(RemovalPolicy.DESTROY);
      acknowledgeMinorVersionPinning(instance);
    });

    return {
      // A typed handle on the L1 member (no resource of its own).
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(this, 'ClusterHandle', {
        clusterIdentifier: cluster.ref,
        engine: parts.engine,
        port: DATABASE_PORT,
        securityGroups: [parts.securityGroup],
        instanceIdentifiers: instanceIds,
        clusterEndpointAddress: cluster.attrEndpointAddress,
        readerEndpointAddress: cluster.attrReadEndpointAddress,
      }),
      instanceIdentifiers: instanceIds,
      writerEndpoint: cluster.attrEndpointAddress,
      readerEndpoint: cluster.attrReadEndpointAddress,
    };
  }
}

/**
 * Control Tower CT.RDS.PR.5 wants automatic minor version upgrades. Aurora applies them per
 * cluster, in each cluster's own maintenance window, while a managed Global Database switchover
 * or failover needs both clusters on the same engine version (AWS: "Upgrading an Amazon Aurora
 * global database"). So upgrades are deliberate, both regions together.
 */
function acknowledgeMinorVersionPinning(instance: rds.CfnDBInstance): void {
  Validations.of(instance).acknowledge({
    id: 'CT.RDS.PR.5',
    reason:
      'Global Database member: a managed cross-Region switchover/failover requires the same engine version in both clusters, and automatic minor upgrades run per cluster in different maintenance windows; minor versions are upgraded deliberately in both regions (primary and DR) together.',
  });
}

interface SharedParts {
  readonly key: kms.Key;
  readonly securityGroup: ec2.SecurityGroup;
  readonly subnetGroup: rds.SubnetGroup;
  readonly parameterGroup: rds.ParameterGroup;
  readonly logGroup: logs.LogGroup;
  readonly monitoringRole: iam.Role;
  readonly engine: rds.IClusterEngine;
  readonly azs: readonly string[];
  readonly isolated: ec2.SubnetSelection;
}

interface BuiltCluster {
  readonly instanceIdentifiers: string[];
  readonly writerEndpoint: string;
  readonly readerEndpoint: string;
}

interface SecondaryExtras {
  readonly cluster: rds.IDatabaseCluster;
}

interface PrimaryExtras {
  readonly cluster: rds.DatabaseCluster;
  readonly appUserSecret: secretsmanager.ISecret;
  readonly proxy?: rds.DatabaseProxy;
  readonly connections: ec2.Connections;
}

/** Deterministic instance identifiers (runbooks and FIS name them): <cluster>-1, <cluster>-2, ... */
function instanceIdentifiersFor(cluster: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${cluster}-${i + 1}`);
}

/** Construction-time guard for values the config schema cannot see (identifier lengths). */
function validateProps({ database, role, clusterIdentifier: id }: DatabaseProps): void {
  const count = role === 'primary' ? database.readers + 1 : database.drInstances;
  const longest = `${id}-${count}`;
  if (longest.length > 63) {
    throw new Error(
      `Database: instance identifier "${longest}" is ${longest.length} characters; RDS allows at most 63 (shorten clusterIdentifier, i.e. appName)`,
    );
  }
  if (!/^[rx]\d/.test(database.instanceClass)) {
    throw new Error(
      `Database: database.instanceClass = "${database.instanceClass}": Aurora Global Database needs a memory-optimized r- or x-class (e.g. r6g.large)`,
    );
  }
}
