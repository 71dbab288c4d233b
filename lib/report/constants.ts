/**
 * Every number the report takes from documentation rather than from the
 * templates, in one table with its source. `basis` says how firm it is:
 * `documented` is quoted from the AWS page named, `estimate` is this
 * project's planning figure where AWS publishes none (measure it in a game
 * day), `project-default` is this project's own code default.
 */
export type ConstantBasis = 'documented' | 'estimate' | 'project-default';

export interface DocumentedConstant {
  readonly id: ConstantId;
  /** What the number is. */
  readonly label: string;
  readonly value: number;
  readonly unit: 'seconds' | 'percent';
  readonly basis: ConstantBasis;
  /** The statement the value rests on (paraphrased). */
  readonly statement: string;
  /** Page title and address, or the project file for project defaults. */
  readonly sourceTitle: string;
  readonly sourceUrl: string;
}

export type ConstantId =
  | 'auroraFailoverTypical'
  | 'auroraFailoverUpper'
  | 'cacheFailover'
  | 'globalDbFailover'
  | 'globalDbSwitchover'
  | 'globalDbReplicationLag'
  | 'auroraPitrLag'
  | 'snapshotCopy'
  | 'route53ConnectTimeout'
  | 'route53ResponseTimeout'
  | 'elbAliasTtl'
  | 'ec2Launch'
  | 'auroraInstanceCreate'
  | 'serviceReadinessGraceDefault'
  | 'slaAlb'
  | 'slaEc2Region'
  | 'slaAuroraMultiAz'
  | 'slaElastiCacheMultiAz'
  | 'slaRoute53';

const AURORA_HA = {
  sourceTitle: 'Amazon Aurora User Guide: High availability for Amazon Aurora (fault tolerance)',
  sourceUrl:
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html',
};
const GLOBAL_DB = {
  sourceTitle: 'Amazon Aurora User Guide: Using Amazon Aurora Global Database',
  sourceUrl: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html',
};
const R53_HEALTH = {
  sourceTitle: 'Amazon Route 53 Developer Guide: How Route 53 determines whether a health check is healthy',
  sourceUrl:
    'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html',
};

const TABLE: readonly DocumentedConstant[] = [
  {
    id: 'auroraFailoverTypical',
    label: 'Aurora in-region failover (typical)',
    value: 30,
    unit: 'seconds',
    basis: 'documented',
    statement: 'a reader is promoted; service is often restored in less than 30 s',
    ...AURORA_HA,
  },
  {
    id: 'auroraFailoverUpper',
    label: 'Aurora in-region failover (usual upper bound)',
    value: 60,
    unit: 'seconds',
    basis: 'documented',
    statement: 'service is typically restored in less than 60 s',
    ...AURORA_HA,
  },
  {
    id: 'cacheFailover',
    label: 'ElastiCache Multi-AZ replica promotion',
    value: 30,
    unit: 'seconds',
    basis: 'estimate',
    statement:
      'the guide describes automatic promotion without a figure; planning estimate, measure with the cache-az-power FIS experiment',
    sourceTitle: 'Amazon ElastiCache User Guide: Minimizing downtime in ElastiCache by using Multi-AZ',
    sourceUrl: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html',
  },
  {
    id: 'globalDbFailover',
    label: 'Global Database failover (operator-triggered, FailoverGlobalCluster)',
    value: 60,
    unit: 'seconds',
    basis: 'documented',
    statement: 'a secondary region can be promoted to full read/write in under a minute (RTO)',
    ...GLOBAL_DB,
  },
  {
    id: 'globalDbSwitchover',
    label: 'Global Database switchover (planned, SwitchoverGlobalCluster, RPO 0)',
    value: 120,
    unit: 'seconds',
    basis: 'estimate',
    statement:
      'switchover first synchronizes the secondaries, then swaps roles; no published figure, planning estimate',
    sourceTitle: 'Amazon RDS API Reference: SwitchoverGlobalCluster',
    sourceUrl: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_SwitchoverGlobalCluster.html',
  },
  {
    id: 'globalDbReplicationLag',
    label: 'Global Database replication lag (typical)',
    value: 1,
    unit: 'seconds',
    basis: 'documented',
    statement: 'storage-level replication to secondary regions with typical latency under one second',
    ...GLOBAL_DB,
  },
  {
    id: 'auroraPitrLag',
    label: 'Aurora point-in-time restore: latest restorable time behind now',
    value: 300,
    unit: 'seconds',
    basis: 'documented',
    statement: 'the latest restorable time is typically within the last 5 minutes',
    sourceTitle: 'Amazon Aurora User Guide: Restoring a DB cluster to a specified time',
    sourceUrl: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-pitr.html',
  },
  {
    id: 'snapshotCopy',
    label: 'Cross-region cluster snapshot copy',
    value: 3600,
    unit: 'seconds',
    basis: 'estimate',
    statement:
      'copy time grows with snapshot size and is not published; planning estimate for a small cluster',
    sourceTitle: 'Amazon Aurora User Guide: Copying a DB cluster snapshot',
    sourceUrl: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-copy-snapshot.html',
  },
  {
    id: 'route53ConnectTimeout',
    label: 'Route 53 health checker: TCP connect timeout (HTTP/HTTPS)',
    value: 4,
    unit: 'seconds',
    basis: 'documented',
    statement: 'the checker must establish a TCP connection within four seconds',
    ...R53_HEALTH,
  },
  {
    id: 'route53ResponseTimeout',
    label: 'Route 53 health checker: response timeout after connecting',
    value: 2,
    unit: 'seconds',
    basis: 'documented',
    statement: 'the endpoint must answer 2xx/3xx within two seconds after connecting',
    ...R53_HEALTH,
  },
  {
    id: 'elbAliasTtl',
    label: 'TTL of a Route 53 alias record to a load balancer',
    value: 60,
    unit: 'seconds',
    basis: 'documented',
    statement: 'alias records take the TTL of the target; for Elastic Load Balancing it is 60 s',
    sourceTitle: 'Amazon Route 53 Developer Guide: Values specific for alias records (TTL)',
    sourceUrl:
      'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-alias.html',
  },
  {
    id: 'ec2Launch',
    label: 'EC2 launch to running (before the group health-check grace period)',
    value: 60,
    unit: 'seconds',
    basis: 'estimate',
    statement:
      'no published figure; planning estimate. Bootstrap time is covered by the group health-check grace period read from the template',
    sourceTitle: 'Amazon EC2 Auto Scaling User Guide: Set the health check grace period',
    sourceUrl: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html',
  },
  {
    id: 'auroraInstanceCreate',
    label: 'Adding an Aurora instance to a headless Global Database secondary (create to available)',
    value: 600,
    unit: 'seconds',
    basis: 'estimate',
    statement:
      'a headless secondary keeps only storage in sync; a reader must be created before it can serve or be promoted. No published figure; planning estimate, measure in a pilot-light game day',
    sourceTitle: 'Amazon Aurora User Guide: Creating a headless Aurora DB cluster in a secondary Region',
    sourceUrl:
      'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-attach.console.headless.html',
  },
  {
    id: 'serviceReadinessGraceDefault',
    label: 'Service readiness grace when the template sets none',
    value: 30,
    unit: 'seconds',
    basis: 'project-default',
    statement: 'READINESS_GRACE_SECONDS defaults to 30 in the service',
    sourceTitle: 'service/src/config.ts',
    sourceUrl: 'service/src/config.ts',
  },
  {
    id: 'slaAlb',
    label: 'SLA: Elastic Load Balancing (ALB)',
    value: 99.99,
    unit: 'percent',
    basis: 'documented',
    statement: 'Monthly Uptime Percentage commitment 99.99 %',
    sourceTitle: 'Elastic Load Balancing Service Level Agreement',
    sourceUrl: 'https://aws.amazon.com/elasticloadbalancing/sla/',
  },
  {
    id: 'slaEc2Region',
    label: 'SLA: Amazon EC2, region-level (instances in ≥ 2 AZs)',
    value: 99.99,
    unit: 'percent',
    basis: 'documented',
    statement: 'Region-Level SLA 99.99 % for instances deployed across two or more AZs',
    sourceTitle: 'Amazon Compute Service Level Agreement',
    sourceUrl: 'https://aws.amazon.com/compute/sla/',
  },
  {
    id: 'slaAuroraMultiAz',
    label: 'SLA: Amazon Aurora Multi-AZ DB cluster',
    value: 99.99,
    unit: 'percent',
    basis: 'documented',
    statement: 'Multi-AZ DB cluster Monthly Uptime Percentage 99.99 %',
    sourceTitle: 'Amazon Aurora Service Level Agreement',
    sourceUrl: 'https://aws.amazon.com/rds/aurora/sla/',
  },
  {
    id: 'slaElastiCacheMultiAz',
    label: 'SLA: Amazon ElastiCache Multi-AZ (Valkey / Redis OSS)',
    value: 99.99,
    unit: 'percent',
    basis: 'documented',
    statement: 'Multi-AZ configuration Monthly Uptime Percentage 99.99 %',
    sourceTitle: 'Amazon ElastiCache Service Level Agreement',
    sourceUrl: 'https://aws.amazon.com/elasticache/sla/',
  },
  {
    id: 'slaRoute53',
    label: 'SLA: Amazon Route 53 (DNS query answering)',
    value: 100,
    unit: 'percent',
    basis: 'documented',
    statement: 'commercially reasonable efforts to make Route 53 100 % available',
    sourceTitle: 'Amazon Route 53 Service Level Agreement',
    sourceUrl: 'https://aws.amazon.com/route53/sla/',
  },
];

/** The table in print order. */
export const DOCUMENTED_CONSTANTS: readonly DocumentedConstant[] = TABLE;

const BY_ID = new Map(TABLE.map((c) => [c.id, c]));

/** One constant by id (the table is the only place a number lives). */
export function constant(id: ConstantId): DocumentedConstant {
  const c = BY_ID.get(id);
  if (!c) throw new Error(`Unknown report constant '${id}'`);
  return c;
}
