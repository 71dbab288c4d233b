/*
 * Cross-region snapshot copies (INV-BACKUP): the Global Database protects against losing a region;
 * these copies protect against what it replicates faithfully (a bad migration, a dropped table).
 *
 * Orchestration: EventBridge rules, not a Step Functions state machine. Each step is one idempotent
 * RDS call whose trigger AWS already emits: a schedule (create, prune, RPO check) and the RDS event
 * "manual DB cluster snapshot created" (copy). A cross-region copy then runs inside RDS for minutes
 * to hours; a state machine would only poll it. Retries: EventBridge retries delivery, Lambda retries
 * a failed async invocation twice, the copy handler backs off on the 5-concurrent-copies limit, and
 * an hourly sweep re-derives missing copies from RDS itself, so a lost event or an exhausted retry
 * heals without an execution history to replay. Visibility: one JSON log line per decision, the
 * failure context in the DLQ message, and SnapshotAgeSeconds, the end-to-end truth (a fresh DR copy
 * exists). Alerting: one alarm on the DLQ (a step failed for good) and one RPO alarm, routed to the
 * region's topic by the stack (AlarmTopic.routeAlarmsIn).
 *
 * Both regional stacks make one; the create function acts only while its region's cluster is the
 * Global Database writer (asked at run time), so after a failover the copies flow the other way.
 *
 * What the default protects: a region loss and logical corruption, within one account. It does not
 * protect against a compromised account (an admin there can delete both copies and both keys). The
 * `lockedVault` option adds AWS Backup vaults with Vault Lock (compliance mode) in both regions:
 * once the lock's grace period ends, no one in the account, root included, can delete a recovery
 * point before its retention ends. A copy into a second account remains the stronger choice for an
 * account takeover that also reaches the key policies (see lambda/snapshot/README.md).
 */
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { snapshotIntervalSeconds, type SnapshotsConfig } from '../config';
import {
  APP_DIMENSION,
  MANAGED_TAG,
  METRIC_NAMESPACE,
  SNAPSHOT_AGE_METRIC,
  SNAPSHOT_TAG_KEYS,
  snapshotCopyRoleName,
  snapshotIdPrefix,
} from '../../lambda/shared/names';
import { httpsEgressOnlySecurityGroup, lambdaEntry } from './lambda-defaults';
import {
  LockedBackupVault,
  lockedVaultName,
  type LockedVaultOptions,
  validateLockedVaultOptions,
} from './locked-backup-vault';
import { ObservedFunction } from './observed-function';
import { SnapshotCopyKey } from './snapshot-copy-key';

export interface SnapshotReplicationProps {
  /**
   * The app's name: value of the managed-snapshot tag and of the age metric's dimension, and part of
   * the fixed names of the copy roles and the locked vaults in both regions.
   */
  readonly appName: string;
  /** This stack's region (checked against the stack). */
  readonly region: string;
  /** The other region of the pair, where copies of this region's snapshots land. */
  readonly peerRegion: string;
  /** This region's Aurora cluster identifier. */
  readonly clusterIdentifier: string;
  /** The peer region's cluster identifier (its copies land here and are pruned here). */
  readonly peerClusterIdentifier: string;
  /** The Global Database identifier (create and freshness act only while this region's cluster writes). */
  readonly globalClusterIdentifier: string;
  /** Alias of the copy key in each region (the same alias in both: the peer's copy names it). */
  readonly copyKeyAlias: string;
  /** Schedule, copy retention, newest kept, and the RPO alarm's margin. */
  readonly snapshots: SnapshotsConfig;
  /**
   * True in the region that is the configured Global Database writer (`writerRegion`): the locked
   * vault's backup plan runs there. Read only with `lockedVault`. @default false
   */
  readonly isConfiguredWriter?: boolean;
  /**
   * The KMS key encrypting this region's cluster storage, hence the snapshots taken here (the
   * source key of every copy leaving this region). The copy role gets CreateGrant/DescribeKey on
   * exactly this key. @default any key of this account and region, usable only through RDS in this
   * region (an acknowledged IAM5 wildcard)
   */
  readonly clusterKey?: kms.IKey;
  /** How often the copy sweep re-drives missing copies. @default Duration.hours(1) */
  readonly sweepInterval?: Duration;
  /** How often the RPO check measures the newest DR copy. @default Duration.minutes(15) */
  readonly freshnessCheckInterval?: Duration;
  /**
   * Also keep AWS Backup recovery points in a Vault Lock vault in each region: the writer region's
   * plan backs up its cluster and copies each recovery point to the other region's locked vault.
   * @default none (snapshot copies only; see "What the default protects" above)
   */
  readonly lockedVault?: LockedVaultOptions;
  /**
   * VPC whose private-with-egress subnets the functions run in (AWS Control Tower CT.LAMBDA.PR.3),
   * behind one security group that allows only HTTPS out; they reach the RDS, KMS and CloudWatch
   * APIs through the NAT gateways. @default not in a VPC
   */
  readonly vpc?: ec2.IVpc;
}

/** The four functions, exposed for dashboards and error alarms. */
export interface SnapshotFunctions {
  readonly create: lambda.IFunction;
  readonly copy: lambda.IFunction;
  readonly prune: lambda.IFunction;
  readonly freshness: lambda.IFunction;
}

/** Longest snapshot id suffix we append to the cluster id: "-snap-YYYYMMDD-HHMM". */
const SNAPSHOT_SUFFIX_LENGTH = snapshotIdPrefix('').length + 'YYYYMMDD-HHMM'.length;

export class SnapshotReplication extends Construct {
  /** KMS key (alias `copyKeyAlias`, rotation on) that copies INTO this region use. */
  public readonly key: SnapshotCopyKey;
  public readonly functions: SnapshotFunctions;
  /** Failed invocations (after retries) and undeliverable events land here, with their context. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Newest DR copy older than schedule interval + freshnessMarginHours, or the check not reporting. */
  public readonly freshnessAlarm: cloudwatch.Alarm;
  /** Any snapshot step failed for good (a message in the DLQ). */
  public readonly failureAlarm: cloudwatch.Alarm;
  public readonly alarms: cloudwatch.IAlarm[];
  /** Age of the newest available DR copy (seconds), published by the freshness function. */
  public readonly snapshotAgeMetric: cloudwatch.Metric;
  /** The RPO alarm threshold in seconds: schedule interval + margin. */
  public readonly freshnessThresholdSeconds: number;
  /** The copy role, whose fixed name the other region's key policy names. */
  public readonly copyRole: iam.Role;
  /** The Vault Lock vault of this region, when `lockedVault` is set. */
  public readonly lockedVault?: LockedBackupVault;
  /** The backup plan (writer region only), when `lockedVault` is set. */
  public readonly backupPlan?: backup.BackupPlan;
  /** The functions' security group (HTTPS out only), when `vpc` is set. */
  public readonly securityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: SnapshotReplicationProps) {
    super(scope, id);
    const { appName, region, peerRegion, snapshots } = props;
    const stack = Stack.of(this);
    validate(stack, props);

    const account = stack.account;
    const partition = stack.partition;
    const ownCluster = props.clusterIdentifier;
    const peerCluster = props.peerClusterIdentifier;
    const globalId = props.globalClusterIdentifier;
    const alias = props.copyKeyAlias;
    const schedule = events.Schedule.expression(snapshots.schedule);
    this.freshnessThresholdSeconds =
      snapshotIntervalSeconds(snapshots) + snapshots.freshnessMarginHours * 3600;

    const rdsArn = (r: string, type: string, name: string) =>
      `arn:${partition}:rds:${r}:${account}:${type}:${name}`;
    const snapshotPattern = (r: string, cluster: string) =>
      rdsArn(r, 'cluster-snapshot', `${snapshotIdPrefix(cluster)}*`);
    const globalArn = `arn:${partition}:rds::${account}:global-cluster:${globalId}`;
    const viaRds = (r: string) => ({ 'kms:ViaService': `rds.${r}.amazonaws.com` });

    // ---- Key for copies landing in this region -------------------------------------------------
    this.key = new SnapshotCopyKey(this, 'CopyKey', {
      alias,
      region,
      description: `${appName}: encrypts cross-region Aurora snapshot copies landing in ${region}`,
      peerCopyRoleArn: `arn:${partition}:iam::${account}:role/${snapshotCopyRoleName(appName, peerRegion)}`,
    });

    // ---- Failure path ---------------------------------------------------------------------------
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks it as a dead-letter queue (Control Tower CT.SQS.PR.1). allowAll is SQS's default:
      // only queues of this account and region may name it, so this widens nothing.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS the dead-letter queue of the snapshot functions and rules; a DLQ of a DLQ would hide failures further. It is alarmed (failureAlarm).',
    });

    this.securityGroup = props.vpc
      ? httpsEgressOnlySecurityGroup(this, 'FunctionSecurityGroup', props.vpc, 'Snapshot functions')
      : undefined;
    const make = (
      name: keyof SnapshotFunctions,
      description: string,
      timeout: Duration,
      environment: Record<string, string>,
    ) =>
      new ObservedFunction(this, name, {
        entry: lambdaEntry(`snapshot/${name}`),
        description,
        timeout,
        environment,
        onFailure: this.deadLetterQueue,
        roleName: name === 'copy' ? snapshotCopyRoleName(appName, region) : undefined,
        vpc: props.vpc,
        securityGroup: this.securityGroup,
      });

    // ---- create ---------------------------------------------------------------------------------
    const create = make(
      'create',
      `Snapshots ${ownCluster} while it is the Global Database writer`,
      Duration.minutes(1),
      {
        APP_NAME: appName,
        CLUSTER_ID: ownCluster,
        GLOBAL_CLUSTER_ID: globalId,
      },
    );
    create.allow([globalArn], ['rds:DescribeGlobalClusters']);
    create.allow(
      [rdsArn(region, 'cluster', ownCluster), snapshotPattern(region, ownCluster)],
      ['rds:CreateDBClusterSnapshot'],
      'snapshot ids embed the time slot; the ARN pattern pins them to this cluster\'s "-snap-" prefix in this region',
    );
    create.allow(
      [snapshotPattern(region, ownCluster)],
      ['rds:AddTagsToResource'],
      'tags are set at creation on snapshots named by time slot; the pattern pins them to this cluster, and aws:TagKeys to our four keys',
      { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...SNAPSHOT_TAG_KEYS] } },
    );

    // ---- copy -----------------------------------------------------------------------------------
    const copy = make(
      'copy',
      `Copies ${ownCluster} snapshots to ${peerRegion} under ${alias}`,
      Duration.minutes(2),
      {
        APP_NAME: appName,
        CLUSTER_ID: ownCluster,
        DESTINATION_REGION: peerRegion,
        DESTINATION_KMS_KEY: alias,
        RETENTION_DAYS: String(snapshots.retentionDays),
      },
    );
    copy.allow(
      ['*'],
      ['rds:DescribeDBClusterSnapshots'],
      'DescribeDBClusterSnapshots without an identifier (the sweep lists this region\'s manual snapshots) is authorized only against "*"; read-only',
    );
    copy.allow(
      [snapshotPattern(region, ownCluster), snapshotPattern(peerRegion, ownCluster)],
      ['rds:CopyDBClusterSnapshot'],
      "source and target snapshot ids embed the time slot; the patterns pin both to this cluster's prefix in the two regions of the pair",
    );
    copy.allow(
      [snapshotPattern(peerRegion, ownCluster)],
      ['rds:AddTagsToResource'],
      "CopyTags writes our tags onto the new copy, whose id embeds the time slot; the pattern pins it to this cluster's prefix in the destination",
    );
    // Destination key: the other region's snapshot key, found by its alias (no cross-region
    // reference). IAM cannot name a key by alias ARN, so: any key there WITH that alias, via RDS.
    copy.allow(
      [`arn:${partition}:kms:${peerRegion}:${account}:key/*`],
      ['kms:CreateGrant', 'kms:DescribeKey'],
      `the destination key lives in another stack and region; kms:ResourceAliases limits it to the key aliased ${alias}, kms:ViaService to RDS in ${peerRegion}`,
      { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': alias }, StringEquals: viaRds(peerRegion) },
    );
    // Source key: the cluster storage key that encrypts snapshots taken here.
    if (props.clusterKey) {
      copy.allow([props.clusterKey.keyArn], ['kms:CreateGrant', 'kms:DescribeKey'], undefined, {
        StringEquals: viaRds(region),
      });
    } else {
      copy.allow(
        [`arn:${partition}:kms:${region}:${account}:key/*`],
        ['kms:CreateGrant', 'kms:DescribeKey'],
        `no clusterKey prop was given, so the cluster storage key is not known here; kms:ViaService limits use to RDS in ${region}`,
        { StringEquals: viaRds(region) },
      );
    }
    this.copyRole = copy.role;

    // ---- prune ----------------------------------------------------------------------------------
    const prune = make(
      'prune',
      `Prunes our snapshot copies in ${region} past ${snapshots.retentionDays} days`,
      Duration.minutes(5),
      {
        APP_NAME: appName,
        CLUSTER_IDS: [ownCluster, peerCluster].join(','),
        RETENTION_DAYS: String(snapshots.retentionDays),
        KEEP_NEWEST: String(snapshots.keepNewest),
      },
    );
    prune.allow(
      ['*'],
      ['rds:DescribeDBClusterSnapshots'],
      'listing this region\'s manual snapshots (no identifier) is authorized only against "*"; read-only',
    );
    prune.allow(
      [snapshotPattern(region, ownCluster), snapshotPattern(region, peerCluster)],
      ['rds:DeleteDBClusterSnapshot'],
      `snapshot ids embed the time slot; the patterns pin deletion to our two clusters' prefixes in this region, and the ${MANAGED_TAG} tag condition to snapshots we made`,
      { StringEquals: { [`rds:cluster-snapshot-tag/${MANAGED_TAG}`]: appName } },
    );

    // ---- freshness (RPO) ------------------------------------------------------------------------
    const freshness = make(
      'freshness',
      `Publishes ${SNAPSHOT_AGE_METRIC} of the newest DR copy`,
      Duration.minutes(1),
      {
        APP_NAME: appName,
        GLOBAL_CLUSTER_ID: globalId,
        PEER_REGION: peerRegion,
        THRESHOLD_SECONDS: String(this.freshnessThresholdSeconds),
      },
    );
    freshness.allow([globalArn], ['rds:DescribeGlobalClusters']);
    freshness.allow(
      ['*'],
      ['rds:DescribeDBClusterSnapshots'],
      'listing the DR region\'s manual snapshots (no identifier) is authorized only against "*"; read-only',
    );
    freshness.allow(
      ['*'],
      ['cloudwatch:PutMetricData'],
      'PutMetricData has no resource type; the cloudwatch:namespace condition limits it to our namespace',
      { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
    );

    this.functions = { create: create.fn, copy: copy.fn, prune: prune.fn, freshness: freshness.fn };

    // ---- Triggers -------------------------------------------------------------------------------
    const target = (fn: lambda.IFunction) =>
      new targets.LambdaFunction(fn, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: this.deadLetterQueue,
      });
    new events.Rule(this, 'CreateSchedule', {
      description: `Snapshot ${ownCluster} (${snapshots.schedule}) while it is the writer`,
      schedule,
      targets: [target(create.fn)],
    });
    new events.Rule(this, 'SnapshotCreated', {
      description: 'Copy a manual cluster snapshot to the other region as soon as it is available',
      // Filtered on the event id only: the handler ignores snapshots that are not ours, and a
      // field-level filter that silently never matched would leave copies to the hourly sweep.
      eventPattern: {
        source: ['aws.rds'],
        detailType: ['RDS DB Cluster Snapshot Event'],
        detail: { EventID: ['RDS-EVENT-0075'] },
      },
      targets: [target(copy.fn)],
    });
    new events.Rule(this, 'CopySweep', {
      description: 'Re-drive any snapshot of ours that still has no copy in the other region',
      schedule: events.Schedule.rate(props.sweepInterval ?? Duration.hours(1)),
      targets: [target(copy.fn)],
    });
    new events.Rule(this, 'PruneSchedule', {
      description: `Prune our snapshots in ${region} (${snapshots.schedule})`,
      schedule,
      targets: [target(prune.fn)],
    });
    new events.Rule(this, 'FreshnessSchedule', {
      description: `Measure the newest DR copy's age (RPO alarm at ${this.freshnessThresholdSeconds} s)`,
      schedule: events.Schedule.rate(props.freshnessCheckInterval ?? Duration.minutes(15)),
      targets: [target(freshness.fn)],
    });

    // ---- Alarms ---------------------------------------------------------------------------------
    this.snapshotAgeMetric = new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: SNAPSHOT_AGE_METRIC,
      dimensionsMap: { [APP_DIMENSION]: appName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.hours(1),
      unit: cloudwatch.Unit.SECONDS,
    });
    this.freshnessAlarm = new cloudwatch.Alarm(this, 'FreshnessAlarm', {
      alarmDescription:
        `INV-BACKUP: the newest available cross-region snapshot copy is older than ${this.freshnessThresholdSeconds} s ` +
        `(schedule ${snapshots.schedule} + ${snapshots.freshnessMarginHours} h margin), or the check is not reporting. ` +
        `Check the ${appName} snapshot functions' logs and the DLQ; RPO for logical corruption is degraded.`,
      metric: this.snapshotAgeMetric,
      threshold: this.freshnessThresholdSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // Missing = no copy exists or the check cannot run: both mean the RPO is not assured.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription:
        'INV-BACKUP: a snapshot create/copy/prune/freshness invocation failed after its retries, or an event could not be delivered. ' +
        'Read the message in the snapshot DLQ (it carries the error), fix, then purge it.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [this.freshnessAlarm, this.failureAlarm];

    // ---- Optional: AWS Backup Vault Lock ----------------------------------------------------------
    if (props.lockedVault) {
      this.lockedVault = new LockedBackupVault(this, 'LockedVault', {
        ...props.lockedVault,
        backupVaultName: lockedVaultName(appName, region),
        encryptionKey: this.key,
      });
      // Only the configured writer region backs up; it copies into the other region's locked vault.
      if (props.isConfiguredWriter) {
        this.backupPlan = this.lockedVault.backUp({
          clusterArn: rdsArn(region, 'cluster', ownCluster),
          peerVaultArn: `arn:${partition}:backup:${peerRegion}:${account}:backup-vault:${lockedVaultName(appName, peerRegion)}`,
        });
      }
    }
  }
}

function validate(stack: Stack, props: SnapshotReplicationProps): void {
  const { region, peerRegion, snapshots } = props;
  if (!Token.isUnresolved(stack.region) && stack.region !== region) {
    throw new Error(
      `SnapshotReplication: region = "${region}" but the stack is in "${stack.region}"; pass the stack's own region`,
    );
  }
  if (peerRegion === region) {
    throw new Error(
      `SnapshotReplication: peerRegion "${peerRegion}" equals this region; copies must leave the region`,
    );
  }
  if (props.lockedVault) validateLockedVaultOptions(props.lockedVault);
  const interval = snapshotIntervalSeconds(snapshots);
  if (snapshots.retentionDays * 86400 < interval) {
    throw new Error(
      `SnapshotReplication: snapshots.retentionDays = ${snapshots.retentionDays} is shorter than the interval of snapshots.schedule = "${snapshots.schedule}" (${interval} s); allowed: at least ${Math.ceil(interval / 86400)} day(s)`,
    );
  }
  for (const cluster of [props.clusterIdentifier, props.peerClusterIdentifier]) {
    if (cluster.length + SNAPSHOT_SUFFIX_LENGTH > 63) {
      throw new Error(
        `SnapshotReplication: snapshot ids "${snapshotIdPrefix(cluster)}YYYYMMDD-HHMM" would exceed RDS's 63 characters; shorten appName = "${props.appName}"`,
      );
    }
  }
}
