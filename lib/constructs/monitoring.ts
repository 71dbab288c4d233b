/*
 * Monitoring for one region (INV-OBS): an encrypted SNS topic, the alarms the on-call acts on, and a
 * dashboard.
 *
 * Hand-written with aws-cdk-lib/aws-cloudwatch rather than cdk-monitoring-constructs (checked: 10.2.0,
 * peer aws-cdk-lib ^2.160.0, so it would install). It does not fit here: it has no ALB monitoring outside
 * its ECS patterns, no per-AZ target metrics, no Aurora replica/global/RPO lag and no ElastiCache
 * replication lag, so more than half of the alarms below would be CustomMonitoring anyway; its alarm
 * facade hides treatMissingData and the per-alarm on-call text this project requires; and it is one more
 * large dependency loaded on every synth. What remains is ~20 plain Alarm/MathExpression definitions.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AppConfig, RegionContext } from '../config';
import { BREAKER_STATE_METRIC } from './service-user-data';

/** Alarm thresholds. Every field is optional in props; see DEFAULT_MONITORING_THRESHOLDS. */
export interface MonitoringThresholds {
  /** ALB 5xx (ELB + target) as % of requests, per minute, 2 minutes in a row (INV-OBS: 5). */
  readonly http5xxPercent: number;
  /** Requests per minute below which the 5xx ratio counts as 0, so a handful of errors while idle never pages. */
  readonly http5xxMinRequestsPerMinute: number;
  /** Target p99 response time in seconds, 3 minutes in a row. */
  readonly targetP99LatencySeconds: number;
  /** Aurora CPU % (writer in the writer region, busiest instance in a secondary), two 5-minute periods. */
  readonly databaseCpuPercent: number;
  /** Aurora freeable memory floor in bytes, two 5-minute periods. */
  readonly databaseFreeableMemoryBytes: number;
  /** In-region AuroraReplicaLag in ms, 5 minutes in a row. */
  readonly databaseReplicaLagMs: number;
  /** AuroraGlobalDBReplicationLag in ms on the secondary cluster, 3 minutes in a row. */
  readonly globalReplicationLagMs: number;
  /** AuroraGlobalDBRPOLag in ms on the secondary cluster, 3 minutes in a row. */
  readonly globalRpoLagMs: number;
  /** Cache EngineCPUUtilization % of the busiest node, 5 minutes in a row. */
  readonly cacheEngineCpuPercent: number;
  /** Cache ReplicationLag in seconds of the most-lagging replica, 3 minutes in a row. */
  readonly cacheReplicationLagSeconds: number;
  /** Cache evictions per 5 minutes on the busiest node, two periods in a row. */
  readonly cacheEvictionsPer5Minutes: number;
  /** Cache CurrConnections on the busiest node, 5 minutes in a row. */
  readonly cacheConnections: number;
}

/** Defaults chosen from the models in docs/architecture.md (RPO ~1 s, in-region failover < 30-60 s). */
export const DEFAULT_MONITORING_THRESHOLDS: MonitoringThresholds = {
  http5xxPercent: 5,
  http5xxMinRequestsPerMinute: 50,
  targetP99LatencySeconds: 1,
  databaseCpuPercent: 80,
  databaseFreeableMemoryBytes: 1024 ** 3,
  databaseReplicaLagMs: 1000,
  globalReplicationLagMs: 2000,
  globalRpoLagMs: 2000,
  cacheEngineCpuPercent: 80,
  cacheReplicationLagSeconds: 5,
  cacheEvictionsPer5Minutes: 1000,
  cacheConnections: 5000,
};

/** The Aurora cluster this region runs. */
export interface MonitoredDatabase {
  /** DB cluster identifier (DBClusterIdentifier dimension); metrics follow the writer across failovers via Role. */
  readonly clusterIdentifier: string;
  /** True in the region whose cluster is a Global Database secondary (global lag metrics are reported there). */
  readonly isGlobalSecondary: boolean;
}

/** The ElastiCache replication group (cluster mode on) this region runs. */
export interface MonitoredCache {
  /** Replication group id; node ids are derived as <id>-<shard:0000>-<node:000>. */
  readonly replicationGroupId: string;
  /** @default config.cache.shards */
  readonly shards?: number;
  /** @default config.cache.replicasPerShard */
  readonly replicasPerShard?: number;
}

export interface MonitoringProps {
  readonly config: AppConfig;
  readonly ctx: RegionContext;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The fleet's target group; must be attached to the load balancer (its metrics need the LB dimension). */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** The fleet's group. Its group metrics must be enabled (GroupInServiceInstances), or the alarm breaches. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /**
   * Namespace the CloudWatch agent publishes the service's /metrics under (Fleet.serviceMetricsNamespace): adds the
   * "read breaker open" alarm. @default no alarms on the service's own metrics
   */
  readonly serviceMetricsNamespace?: string;
  /** AZs the fleet serves; one healthy-host alarm each. @default ctx.region.availabilityZones */
  readonly availabilityZones?: string[];
  /** Healthy targets each AZ must keep. @default config.fleet.minPerAz */
  readonly minPerAz?: number;
  /** The group's MinSize. @default minPerAz x availabilityZones.length */
  readonly minCapacity?: number;
  readonly database: MonitoredDatabase;
  readonly cache: MonitoredCache;
  /** Functions whose errors and throttles page (snapshot, runbook), by a short unique label. @default none */
  readonly functions?: Readonly<Record<string, lambda.IFunction>>;
  /** Alarms made elsewhere (e.g. snapshot freshness): shown on the dashboard, not duplicated. @default none */
  readonly existingAlarms?: cloudwatch.IAlarm[];
  /** Age of the newest snapshot copy, from the snapshot construct. @default a text widget saying it is not wired */
  readonly snapshotAgeMetric?: cloudwatch.IMetric;
  /** Threshold overrides. @default DEFAULT_MONITORING_THRESHOLDS */
  readonly thresholds?: Partial<MonitoringThresholds>;
}

interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default evaluationPeriods (every period must breach) */
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  readonly description: string;
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);
/** A CloudWatch alarm's metric math may reference at most 10 metrics. */
const MAX_METRICS_PER_ALARM = 10;

export class Monitoring extends Construct {
  /** The region's alarm topic (KMS-encrypted, TLS-only); every alarm notifies it on ALARM and OK. */
  public readonly topic: sns.Topic;
  /** Customer managed key of the topic (CloudWatch may use it; AWS managed SNS keys refuse CloudWatch). */
  public readonly topicKey: kms.Key;
  /** Every alarm made here, by stable key (e.g. 'Http5xxRatio', 'HealthyHosts-us-east-1a'). */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** ALB 5xx ratio > threshold for 2 minutes: FIS stop condition and zonal autoshift outcome alarm. */
  public readonly http5xxAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly alarmMap: Record<string, cloudwatch.Alarm> = {};
  private readonly alarmAction: cwActions.SnsAction;
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, ctx } = props;
    const azs = props.availabilityZones ?? ctx.region.availabilityZones;
    const minPerAz = props.minPerAz ?? config.fleet.minPerAz;
    const minCapacity = props.minCapacity ?? minPerAz * azs.length;
    const t: MonitoringThresholds = { ...DEFAULT_MONITORING_THRESHOLDS, ...props.thresholds };
    const functions = Object.entries(props.functions ?? {});
    validate(azs, minPerAz, minCapacity, t, functions);

    this.namePrefix = config.appName;
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: `${config.appName} alarm topic (${ctx.region.region})`,
      enableKeyRotation: true,
    });
    // CloudWatch publishes alarm notifications as its service principal, so it needs the key.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${config.appName} alarms ${ctx.region.region}`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    for (const email of config.monitoring.alarmEmails) {
      this.topic.addSubscription(new subs.EmailSubscription(email));
    }
    for (const url of config.monitoring.alarmHttpsEndpoints) {
      this.topic.addSubscription(new subs.UrlSubscription(url, { protocol: sns.SubscriptionProtocol.HTTPS }));
    }
    this.alarmAction = new cwActions.SnsAction(this.topic);

    const lb = props.loadBalancer.metrics;
    const tg = props.targetGroup.metrics;
    const lbDims = lb.requestCount().dimensions ?? {};
    const tgDims = tg.healthyHostCount().dimensions ?? {};
    const perAz = (m: cloudwatch.Metric, az: string, dims: cloudwatch.DimensionHash) =>
      m.with({ dimensionsMap: { ...(dims as Record<string, string>), AvailabilityZone: az }, label: az });

    // ---- Traffic and errors ----------------------------------------------------------------------
    const requests = lb.requestCount({ period: ONE_MINUTE, statistic: 'Sum' });
    const elb5xx = lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: ONE_MINUTE, statistic: 'Sum' });
    const target5xx = lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      period: ONE_MINUTE,
      statistic: 'Sum',
    });
    const min = t.http5xxMinRequestsPerMinute;
    // RequestCount skips requests the ALB rejected before choosing a target (e.g. 503 with no
    // targets), so a minute with few counted requests but many ELB 5xx still reads as 100 %.
    const http5xxRatio = new cloudwatch.MathExpression({
      expression:
        `IF(FILL(req, 0) >= ${min}, 100 * (FILL(elb, 0) + FILL(tgt, 0)) / FILL(req, 0), ` +
        `IF(FILL(elb, 0) >= ${min}, 100, 0))`,
      usingMetrics: { req: requests, elb: elb5xx, tgt: target5xx },
      period: ONE_MINUTE,
      label: '5xx % of requests (ELB + target)',
    });
    this.http5xxAlarm = this.addAlarm('Http5xxRatio', {
      metric: http5xxRatio,
      threshold: t.http5xxPercent,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // No requests at all is not an error rate; the healthy-host and Route 53 alarms catch a dead region.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `More than ${t.http5xxPercent} % of ALB requests returned 5xx (load balancer + targets) for 2 minutes ` +
        `(only counted above ${min} requests/minute). Users are seeing errors. First check: dashboard "Errors" ` +
        'and "Fleet health per AZ" - one AZ (start or let autoshift run a zonal shift) or all (check the ' +
        'database/cache widgets and the latest deployment). This alarm also stops FIS experiments.',
    });

    // ---- Fleet health ----------------------------------------------------------------------------
    this.addAlarm('UnhealthyHosts', {
      metric: tg.unhealthyHostCount({ period: ONE_MINUTE, statistic: 'Maximum' }),
      threshold: 0,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // The metric is absent when no target is registered; HealthyHosts-<az> alarms cover that case.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        'At least one fleet instance failed the ALB /healthz check for 2 minutes. The ASG (ELB health checks) ' +
        'should replace it. First check: target group "Targets" tab for the failing instance and its reason, ' +
        'then the instance console log via SSM.',
    });
    for (const az of azs) {
      this.addAlarm(`HealthyHosts-${az}`, {
        metric: perAz(tg.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }), az, tgDims),
        threshold: minPerAz,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        // No healthy-host data for an AZ the ALB serves means no capacity can be shown there: page.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        description:
          `Fewer than ${minPerAz} healthy targets in ${az} for 2 minutes (static stability needs ${minPerAz} per AZ). ` +
          `First check: is ${az} impaired (AWS Health, other AZ alarms)? If so shift traffic away with an ARC ` +
          'zonal shift; if not, look at the ASG activity history for failed launches in that AZ.',
      });
    }
    this.addAlarm('TargetLatencyP99', {
      metric: tg.targetResponseTime({ period: ONE_MINUTE, statistic: 'p99' }),
      threshold: t.targetP99LatencySeconds,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      // Latency is only reported for served requests; no traffic means no latency to judge.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Target p99 response time above ${t.targetP99LatencySeconds} s for 3 minutes. First check: dashboard ` +
        '"Latency per AZ" (one AZ slow = gray failure, consider a zonal shift), then database CPU and cache CPU.',
    });
    this.addAlarm('AsgInService', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/AutoScaling',
        metricName: 'GroupInServiceInstances',
        dimensionsMap: { AutoScalingGroupName: props.autoScalingGroup.autoScalingGroupName },
        period: ONE_MINUTE,
        statistic: 'Minimum',
      }),
      threshold: minCapacity,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // Group metrics stop only if collection is disabled or the group is gone: both leave us blind.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `Fewer than ${minCapacity} in-service instances in the Auto Scaling group for 5 minutes: it cannot ` +
        'restore its minimum. First check: ASG activity history (capacity errors, launch failures, an AZ ' +
        'outage). If the data is missing, group metrics collection is off on the ASG.',
    });

    // ---- Database ----------------------------------------------------------------------------------
    // ---- Service: read latency breaker --------------------------------------------------------------
    if (props.serviceMetricsNamespace) {
      this.addAlarm('ReadBreakerOpen', {
        // Maximum over the fleet's instances: any one not closed (2 open, 1 half-open probing) counts.
        metric: new cloudwatch.Metric({
          namespace: props.serviceMetricsNamespace,
          metricName: BREAKER_STATE_METRIC.name,
          dimensionsMap: { dependency: 'database', path: 'read', trips_on: 'latency' },
          statistic: 'Maximum',
          period: ONE_MINUTE,
        }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // The agent scrapes once a minute: 2 of 3 samples, so one slow minute on one instance does not page.
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          'Read breaker open: database reads are slower than their p95 budget (DB_READ_P95_BUDGET_MS) on at ' +
          'least one instance, so reads are served from the cache, stale copies included (X-Cache: stale), and ' +
          'only uncached reads wait for the database. Users still get answers. First check: Aurora reader ' +
          'latency (ReadLatency, DBLoad) and connections, then the stale_reads_served_total metric and the ' +
          'service log ("read latency breaker opened", with the observed p95).',
      });
    }

    const db = props.database;
    const rds = (metricName: string, statistic: string, period: Duration, dims: Record<string, string>) =>
      new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap: dims, statistic, period });
    const clusterDims = { DBClusterIdentifier: db.clusterIdentifier };
    // Role=WRITER follows the writer across in-region failovers; a secondary has no writer, so the
    // busiest instance of the cluster stands in.
    const cpuDims = db.isGlobalSecondary ? clusterDims : { ...clusterDims, Role: 'WRITER' };
    const dbWho = db.isGlobalSecondary ? 'busiest instance of the secondary cluster' : 'writer';
    this.addAlarm('DatabaseCpu', {
      metric: rds('CPUUtilization', db.isGlobalSecondary ? 'Maximum' : 'Average', FIVE_MINUTES, cpuDims),
      threshold: t.databaseCpuPercent,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      // A saturation signal: a gap (e.g. during failover) says nothing about saturation; outages page elsewhere.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Aurora ${dbWho} CPU above ${t.databaseCpuPercent} % for 10 minutes. First check: Performance Insights ` +
        'top SQL and DatabaseConnections; scale the instance class if load is legitimate.',
    });
    this.addAlarm('DatabaseFreeableMemory', {
      metric: rds('FreeableMemory', 'Minimum', FIVE_MINUTES, cpuDims),
      threshold: t.databaseFreeableMemoryBytes,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Aurora ${dbWho} freeable memory below ${Math.round(t.databaseFreeableMemoryBytes / 1024 ** 2)} MiB ` +
        'for 10 minutes; the instance may restart. First check: connection count (RDS Proxy pinning) and ' +
        'work_mem-heavy queries in Performance Insights.',
    });
    this.addAlarm('DatabaseReplicaLag', {
      metric: rds('AuroraReplicaLag', 'Maximum', ONE_MINUTE, { ...clusterDims, Role: 'READER' }),
      threshold: t.databaseReplicaLagMs,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // Only readers report it; a reader being replaced must not page as "lag" (instance events cover it).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      description:
        `Aurora replica lag above ${t.databaseReplicaLagMs} ms for 5 minutes: reads are stale and a failover ` +
        'target is behind. First check: writer write IOPS and long-running transactions on the lagging reader.',
    });
    if (db.isGlobalSecondary) {
      this.addAlarm('GlobalReplicationLag', {
        metric: rds('AuroraGlobalDBReplicationLag', 'Maximum', ONE_MINUTE, clusterDims),
        threshold: t.globalReplicationLagMs,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // The secondary reports this every minute while replicating; silence means replication stopped.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        description:
          `Global Database replication to this region lags more than ${t.globalReplicationLagMs} ms for 3 ` +
          'minutes (or stopped reporting): a regional failover now would lose more than the modeled ~1 s. ' +
          "First check: the global cluster status (aws rds describe-global-clusters) and the primary's write load.",
      });
      this.addAlarm('GlobalRpoLag', {
        metric: rds('AuroraGlobalDBRPOLag', 'Maximum', ONE_MINUTE, clusterDims),
        threshold: t.globalRpoLagMs,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // Derived from the same replication stream: GlobalReplicationLag already pages on silence.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `Global Database RPO lag above ${t.globalRpoLagMs} ms for 3 minutes: committed transactions older ` +
          "than that are not yet durable here. First check: GlobalReplicationLag and the primary's commit rate.",
      });
    }

    // ---- Cache ---------------------------------------------------------------------------------------
    const nodes = cacheNodeIds(
      props.cache.replicationGroupId,
      props.cache.shards ?? config.cache.shards,
      props.cache.replicasPerShard ?? config.cache.replicasPerShard,
    );
    const cacheGroups = chunk(nodes, MAX_METRICS_PER_ALARM);
    const busiest = (
      metricName: string,
      statistic: string,
      period: Duration,
      group: string[],
      label: string,
    ) =>
      new cloudwatch.MathExpression({
        // Primaries do not report ReplicationLag; FILL keeps MAX defined over the nodes that do.
        expression: 'MAX(FILL(METRICS(), 0))',
        usingMetrics: Object.fromEntries(
          group.map((node, i) => [
            `n${i}`,
            new cloudwatch.Metric({
              namespace: 'AWS/ElastiCache',
              metricName,
              dimensionsMap: { CacheClusterId: node },
              statistic,
              period,
            }),
          ]),
        ),
        period,
        label,
      });
    const cacheKey = (base: string, i: number) => (cacheGroups.length === 1 ? base : `${base}-${i + 1}`);
    cacheGroups.forEach((group, i) => {
      this.addAlarm(cacheKey('CacheEngineCpu', i), {
        metric: busiest(
          'EngineCPUUtilization',
          'Average',
          ONE_MINUTE,
          group,
          'cache engine CPU % (busiest node)',
        ),
        threshold: t.cacheEngineCpuPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache node's engine CPU above ${t.cacheEngineCpuPercent} % for 5 minutes (the engine is single-` +
          'threaded: latency grows fast). First check: hot keys / slow log; add shards if load is even.',
      });
      this.addAlarm(cacheKey('CacheReplicationLag', i), {
        metric: busiest(
          'ReplicationLag',
          'Maximum',
          ONE_MINUTE,
          group,
          'cache replication lag s (worst replica)',
        ),
        threshold: t.cacheReplicationLagSeconds,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        // Reported by replicas only; missing during a node replacement is expected and not lag.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache replica lags its primary by more than ${t.cacheReplicationLagSeconds} s for 3 minutes; a ` +
          'failover now would lose those writes. First check: primary network out and engine CPU of that shard.',
      });
      this.addAlarm(cacheKey('CacheEvictions', i), {
        metric: busiest('Evictions', 'Sum', FIVE_MINUTES, group, 'cache evictions / 5 min (busiest node)'),
        threshold: t.cacheEvictionsPer5Minutes,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache node evicted more than ${t.cacheEvictionsPer5Minutes} keys per 5 minutes for 10 minutes: ` +
          'memory is too small and the database takes the misses. First check: DatabaseMemoryUsagePercentage ' +
          'and key TTLs; scale the node type or add shards.',
      });
      this.addAlarm(cacheKey('CacheConnections', i), {
        metric: busiest('CurrConnections', 'Maximum', ONE_MINUTE, group, 'cache connections (busiest node)'),
        threshold: t.cacheConnections,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `A cache node holds more than ${t.cacheConnections} connections for 5 minutes (a connection leak or ` +
          'reconnect storm). First check: NewConnections and the service logs for ioredis reconnects.',
      });
    });

    // ---- Lambda --------------------------------------------------------------------------------------
    for (const [name, fn] of functions) {
      this.addAlarm(`LambdaErrors-${name}`, {
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 0,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // Scheduled/on-demand functions: no invocation means no error.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `Function ${name} failed at least once in 5 minutes. First check: its log group for the error and ` +
          'whether the next scheduled run (or a manual re-run; they are idempotent) succeeds.',
      });
      this.addAlarm(`LambdaThrottles-${name}`, {
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 0,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        description:
          `Function ${name} was throttled in the last 5 minutes, so a snapshot or runbook step did not run. ` +
          "First check: account concurrency (ConcurrentExecutions) and the function's reserved concurrency.",
      });
    }
    this.alarms = this.alarmMap;

    // ---- Dashboard -----------------------------------------------------------------------------------
    const existing = props.existingAlarms ?? [];
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${config.appName}-${ctx.region.region}`,
      defaultInterval: Duration.hours(3),
    });
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
    const dbMetric = (name: string, stat: string, dims: Record<string, string>, label: string) =>
      rds(name, stat, ONE_MINUTE, dims).with({ label });
    const cacheAll = (metricName: string, statistic: string) =>
      nodes.map(
        (node) =>
          new cloudwatch.Metric({
            namespace: 'AWS/ElastiCache',
            metricName,
            dimensionsMap: { CacheClusterId: node },
            statistic,
            period: ONE_MINUTE,
            label: node,
          }),
      );
    const lagMetrics: cloudwatch.IMetric[] = [
      dbMetric('AuroraReplicaLag', 'Maximum', { ...clusterDims, Role: 'READER' }, 'Aurora replica lag ms'),
    ];
    if (db.isGlobalSecondary) {
      lagMetrics.push(
        dbMetric('AuroraGlobalDBReplicationLag', 'Maximum', clusterDims, 'Global replication lag ms'),
        dbMetric('AuroraGlobalDBRPOLag', 'Maximum', clusterDims, 'Global RPO lag ms'),
      );
    }
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# ${config.appName} - ${ctx.region.region} (${ctx.role}${ctx.isWriter ? ', database writer' : ''})\n` +
          'Alarms notify the region topic. Game day: see the README section "Game day".',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...Object.values(this.alarmMap), ...existing],
        width: 24,
        height: 4,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'Traffic: requests per AZ',
        azs.map((az) => perAz(lb.requestCount({ period: ONE_MINUTE, statistic: 'Sum' }), az, lbDims)),
        { stacked: true },
      ),
      new cloudwatch.AlarmWidget({
        title: 'Errors: 5xx % of requests',
        alarm: this.http5xxAlarm,
        width: 8,
        height: 6,
      }),
      graph('Errors: 5xx counts', [
        elb5xx.with({ label: 'ELB 5xx' }),
        target5xx.with({ label: 'Target 5xx' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Latency per AZ: target p99 (s)',
        azs.map((az) => perAz(tg.targetResponseTime({ period: ONE_MINUTE, statistic: 'p99' }), az, tgDims)),
        { leftAnnotations: [{ value: t.targetP99LatencySeconds, label: 'alarm' }] },
      ),
      graph(
        'Fleet health per AZ: healthy targets',
        azs.map((az) => perAz(tg.healthyHostCount({ period: ONE_MINUTE, statistic: 'Minimum' }), az, tgDims)),
        { leftAnnotations: [{ value: minPerAz, label: 'minPerAz' }] },
      ),
      graph('Fleet: unhealthy targets and ASG in service', [
        tg.unhealthyHostCount({ period: ONE_MINUTE, statistic: 'Maximum', label: 'Unhealthy targets' }),
        new cloudwatch.Metric({
          namespace: 'AWS/AutoScaling',
          metricName: 'GroupInServiceInstances',
          dimensionsMap: { AutoScalingGroupName: props.autoScalingGroup.autoScalingGroupName },
          period: ONE_MINUTE,
          statistic: 'Minimum',
          label: 'ASG in service',
        }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Database: CPU % and connections',
        [dbMetric('CPUUtilization', 'Maximum', cpuDims, `CPU % (${dbWho})`)],
        {
          right: [dbMetric('DatabaseConnections', 'Sum', clusterDims, 'connections')],
        },
      ),
      graph('Database: freeable memory', [
        dbMetric('FreeableMemory', 'Minimum', cpuDims, `bytes (${dbWho})`),
      ]),
      graph('Replication lag (ms)', lagMetrics),
    );
    this.dashboard.addWidgets(
      graph('Cache: engine CPU % per node', cacheAll('EngineCPUUtilization', 'Average')),
      graph('Cache: replication lag s per replica', cacheAll('ReplicationLag', 'Maximum')),
      graph('Cache: evictions and connections', cacheAll('Evictions', 'Sum'), {
        right: cacheAll('CurrConnections', 'Maximum'),
      }),
    );
    const lastRow: cloudwatch.IWidget[] = [
      props.snapshotAgeMetric
        ? graph('Snapshot age (newest DR copy)', [props.snapshotAgeMetric])
        : new cloudwatch.TextWidget({
            markdown: '### Snapshot age\nNo snapshot-age metric is wired into this region.',
            width: 8,
            height: 6,
          }),
      ...existing.map(
        (alarm) => new cloudwatch.AlarmWidget({ title: alarm.alarmName, alarm, width: 8, height: 6 }),
      ),
    ];
    if (functions.length > 0) {
      lastRow.push(
        graph(
          'Lambda errors and throttles',
          functions.map(([name, fn]) =>
            fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum', label: `${name} errors` }),
          ),
          {
            right: functions.map(([name, fn]) =>
              fn.metricThrottles({
                period: FIVE_MINUTES,
                statistic: 'Sum',
                label: `${name} throttles`,
              }),
            ),
          },
        ),
      );
    }
    this.dashboard.addWidgets(...lastRow);
  }

  private addAlarm(key: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `Alarm${key.replace(/[^A-Za-z0-9]/g, '')}`, {
      alarmName: `${this.namePrefix}-${key}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
    });
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
    this.alarmMap[key] = alarm;
    return alarm;
  }
}

/** CacheClusterId of every node of a cluster-mode replication group: <id>-0001-001 ... */
export function cacheNodeIds(replicationGroupId: string, shards: number, replicasPerShard: number): string[] {
  const ids: string[] = [];
  for (let s = 1; s <= shards; s++) {
    for (let n = 1; n <= replicasPerShard + 1; n++) {
      ids.push(`${replicationGroupId}-${String(s).padStart(4, '0')}-${String(n).padStart(3, '0')}`);
    }
  }
  return ids;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function validate(
  azs: string[],
  minPerAz: number,
  minCapacity: number,
  t: MonitoringThresholds,
  functions: [string, lambda.IFunction][],
): void {
  if (azs.length === 0 || new Set(azs).size !== azs.length) {
    throw new Error(
      `Monitoring: availabilityZones must be a non-empty list without duplicates, got [${azs.join(', ')}]`,
    );
  }
  if (!Number.isInteger(minPerAz) || minPerAz < 1) {
    throw new Error(`Monitoring: minPerAz must be an integer >= 1, got ${minPerAz}`);
  }
  if (!Number.isInteger(minCapacity) || minCapacity < minPerAz) {
    throw new Error(
      `Monitoring: minCapacity must be an integer >= minPerAz (${minPerAz}), got ${minCapacity}`,
    );
  }
  if (!(t.http5xxPercent > 0 && t.http5xxPercent <= 100)) {
    throw new Error(`Monitoring: thresholds.http5xxPercent must be in (0, 100], got ${t.http5xxPercent}`);
  }
  for (const [field, value] of Object.entries(t)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new Error(`Monitoring: thresholds.${field} must be a positive number, got ${String(value)}`);
    }
  }
  for (const [name] of functions) {
    if (!/^[A-Za-z0-9]+$/.test(name)) {
      throw new Error(`Monitoring: functions label "${name}" must be alphanumeric (alarm names use it)`);
    }
  }
}
