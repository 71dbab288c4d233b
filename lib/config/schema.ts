import { z } from 'zod';
import {
  AWS_REGIONS,
  CACHE_NODE_TYPES,
  EC2_INSTANCE_TYPES,
  FLEET_ARCHITECTURE,
  GLOBAL_DATABASE_ENGINE_VERSIONS,
  GLOBAL_DATABASE_INSTANCE_CLASSES,
  instanceArchitecture,
  nearest,
  notOneOf,
  oneOfFacts,
  PARTITION,
  ROUTE53_HEALTH_CHECKER_REGIONS,
} from './facts';
import { costAssumptionsSchema, drCapacitySchema, drStrategySchema } from './profiles';
import { scheduleIntervalSeconds } from './schedule';

/**
 * The one typed configuration of the app. Every field has a safe default (see
 * `defaults.ts`); a JSON file passed with `-c config=path` overrides any subset.
 * Validation reports every bad field at once; nothing is created from a bad config.
 */

const ACCOUNT_ID = /^\d{12}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const APP_NAME = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;
// ElastiCache windows: "hh:mm-hh:mm" and "ddd:hh:mm-ddd:hh:mm".
const DAILY_WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
const WEEKLY_WINDOW =
  /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;

/** Aurora PostgreSQL versions with Global Database support (facts/aurora-postgresql.json). */
export { GLOBAL_DATABASE_ENGINE_VERSIONS };

const REGION_FIELD = oneOfFacts(
  AWS_REGIONS,
  `a region of the ${PARTITION} partition`,
  "aws-cdk-lib's region-info",
);

/** An EC2 instance type the fleet's AMI can boot (facts/ec2-instance-types.json). */
const FLEET_INSTANCE_TYPE = z.string().superRefine((value, ctx) => {
  const architecture = instanceArchitecture(value);
  if (architecture === FLEET_ARCHITECTURE) return;
  const fits = EC2_INSTANCE_TYPES.filter((t) => instanceArchitecture(t) === FLEET_ARCHITECTURE);
  const message =
    architecture === undefined
      ? notOneOf(
          value,
          `an ${FLEET_ARCHITECTURE} EC2 instance type`,
          fits,
          'lib/config/facts/ec2-instance-types.json',
        )
      : `is ${architecture}, but the fleet boots the ${FLEET_ARCHITECTURE} Amazon Linux 2023 AMI: use a Graviton type` +
        ` such as ${nearest(value, fits) ?? 'm7g.large'}`;
  ctx.addIssue({ code: 'custom', message, input: value });
});

export const regionSchema = z
  .object({
    /** 12-digit AWS account id. Primary and DR must match (Global Database is single-account). */
    account: z.string().regex(ACCOUNT_ID, 'must be a 12-digit AWS account id'),
    /** AWS region name, e.g. us-east-1. */
    region: REGION_FIELD,
    /** Explicit AZ names (never looked up, so synth stays offline). At least 2, default 3. */
    availabilityZones: z.array(z.string()).min(2, 'needs at least 2 availability zones (INV-NET)').max(6),
  })
  .strict();

export const healthCheckSchema = z
  .object({
    /** Route 53 request interval in seconds: 10 (fast) or 30 (standard). */
    requestIntervalSeconds: z.union([z.literal(10), z.literal(30)], {
      error: 'must be 10 or 30 (the only intervals Route 53 offers)',
    }),
    /** Consecutive failures before Route 53 marks the endpoint unhealthy (1-10). */
    failureThreshold: z.number().int().min(1, 'must be 1-10').max(10, 'must be 1-10'),
    /** Route 53 checker regions; at least 3 (Route 53's own minimum). Empty means Route 53's default set. */
    checkerRegions: z
      .array(
        oneOfFacts(
          ROUTE53_HEALTH_CHECKER_REGIONS,
          'a Route 53 health-checker region',
          'lib/config/facts/route53-health-checker-regions.json',
        ),
      )
      .refine((r) => r.length === 0 || r.length >= 3, {
        message: 'must list at least 3 checker regions, or none for the Route 53 default',
      }),
    /** Latency graphs cost extra and cannot be changed after creation. */
    measureLatency: z.boolean(),
  })
  .strict();

export const dnsSchema = z
  .object({
    /** The hosted zone's domain, e.g. example.com. */
    zoneName: z.string().regex(DNS_NAME, 'must be a lower-case DNS name such as example.com'),
    /** The hosted zone id (imported by id, never looked up). */
    hostedZoneId: z
      .string()
      .regex(HOSTED_ZONE_ID, 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ'),
    /** The public name users reach, inside zoneName, e.g. app.example.com. */
    recordName: z.string().regex(DNS_NAME, 'must be a lower-case DNS name such as app.example.com'),
    healthCheck: healthCheckSchema,
  })
  .strict();

export const fleetSchema = z
  .object({
    /** At least two instance types for capacity diversity (mixed-instances policy). */
    instanceTypes: z
      .array(FLEET_INSTANCE_TYPE)
      .min(2, 'needs at least 2 instance types (capacity diversity, INV-ASG)'),
    /** Instances per AZ at minimum; >= 2 so one instance failing never empties an AZ. */
    minPerAz: z.number().int().min(2, 'must be at least 2 (INV-ASG)'),
    /** Instances per AZ at maximum; must exceed minPerAz for rolling updates. */
    maxPerAz: z.number().int().min(3),
    /** Target-tracking value: ALB requests per target per minute. */
    targetRequestsPerInstance: z.number().int().min(1),
    /** Seconds the ASG waits before ELB health counts for a new instance. */
    healthCheckGraceSeconds: z.number().int().min(30).max(900),
    /** ALB target health-check interval (INV-ALB: 5-10 s). */
    healthCheckIntervalSeconds: z
      .number()
      .int()
      .min(5, 'must be 5-10 s (INV-ALB)')
      .max(10, 'must be 5-10 s (INV-ALB)'),
    /** Seconds the ALB drains a deregistering target. */
    deregistrationDelaySeconds: z.number().int().min(0).max(300),
    /** ALB routing algorithm. */
    loadBalancingAlgorithm: z.enum(['round_robin', 'least_outstanding_requests', 'weighted_random']),
    /** Root volume size in GiB. */
    rootVolumeGiB: z.number().int().min(8).max(200),
    /**
     * During a zonal shift of the group (its AvailabilityZoneImpairmentPolicy; the group is registered with ARC
     * zonal shift): IgnoreUnhealthy leaves the impaired AZ's instances alone (no churn in a zone that takes no
     * traffic), ReplaceUnhealthy replaces unhealthy instances in every AZ.
     */
    impairedZoneHealthCheck: z.enum(['IgnoreUnhealthy', 'ReplaceUnhealthy']),
    /**
     * Size every AZ so the others carry the load of a lost one without scaling: target tracking aims at
     * targetRequestsPerInstance × (AZs − 1) / AZs, which costs AZs / (AZs − 1) the instances (+50 % with 3 AZs).
     */
    sizeForAzLoss: z.boolean(),
  })
  .strict();

export const databaseSchema = z
  .object({
    /** Aurora PostgreSQL engine version; must support Global Database. */
    engineVersion: oneOfFacts(
      GLOBAL_DATABASE_ENGINE_VERSIONS,
      'an Aurora PostgreSQL version with Global Database support',
      'lib/config/facts/aurora-postgresql.json',
    ),
    /** Instance class without the "db." prefix, e.g. r6g.large (Global Database needs r-class). */
    instanceClass: oneOfFacts(
      GLOBAL_DATABASE_INSTANCE_CLASSES,
      'an instance class a Global Database accepts (memory-optimized r- or x-class, no burstable t-class)',
      'lib/config/facts/aurora-postgresql.json',
    ),
    /** Reader instances in the primary region, spread over the other AZs (INV-DB: >= 1). */
    readers: z.number().int().min(1, 'must be at least 1 (INV-DB: a reader to fail over to)').max(15),
    /** Instances of the Global Database secondary cluster in DR (>= 1, 0 only in pilot light; below 2 is warned about). */
    drInstances: z.number().int().min(0).max(16),
    /** Automated backup retention (INV-DB: >= 7 days). */
    backupRetentionDays: z.number().int().min(7, 'must be at least 7 days (INV-DB)').max(35),
    /** Database name created in the cluster. */
    databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case identifier'),
    /** Master user name (not a default such as postgres/admin: Control Tower refuses those). */
    masterUsername: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,15}$/, 'must be a lower-case identifier of at most 16 characters')
      .refine((v) => !['postgres', 'admin', 'root', 'rdsadmin'].includes(v), {
        message: 'must not be a default admin name (postgres, admin, root, rdsadmin)',
      }),
    /** Days between automatic rotations of the master secret. */
    rotationDays: z.number().int().min(1).max(365),
    /** Put an RDS Proxy (TLS required) in front of the cluster for faster failover. */
    proxy: z.boolean(),
    /** Global cluster identifier; derived from appName when omitted. */
    globalClusterIdentifier: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/)
      .optional(),
  })
  .strict();

/**
 * Bounds of the cache AUTH token grace period (minutes both tokens work after a rotation): at least three of the
 * service's 5-minute secret re-reads (REDIS_SECRET_REFRESH_SECONDS), at most a day. CacheAuthRotation checks its
 * props against the same bounds.
 */
export const AUTH_TOKEN_GRACE_MINUTES = { min: 15, max: 1440 } as const;

export const cacheSchema = z
  .object({
    engine: z.enum(['valkey', 'redis']),
    /** Engine version, e.g. 8.0 (valkey) or 7.1 (redis); one the engine offers (checked with the engine). */
    engineVersion: z.string().regex(/^\d+\.\d+$/, 'must be major.minor such as 8.0'),
    /** Node type, e.g. cache.r7g.large. */
    nodeType: oneOfFacts(CACHE_NODE_TYPES, 'an ElastiCache node type', 'lib/config/facts/elasticache.json'),
    /** Shards (node groups); cluster mode needs >= 2 for INV-CACHE. */
    shards: z.number().int().min(2, 'must be at least 2 (INV-CACHE)').max(500),
    /** Replicas per shard (INV-CACHE: >= 1 for automatic failover). */
    replicasPerShard: z.number().int().min(1, 'must be at least 1 (INV-CACHE)').max(5),
    /** Daily snapshots kept (>= 1). */
    snapshotRetentionDays: z.number().int().min(1, 'must be at least 1 day (INV-CACHE)').max(35),
    /** Daily snapshot window, UTC "hh:mm-hh:mm". */
    snapshotWindow: z.string().regex(DAILY_WINDOW, 'must be "hh:mm-hh:mm" (UTC)'),
    /** Weekly maintenance window, UTC "ddd:hh:mm-ddd:hh:mm"; must not overlap the snapshot window. */
    maintenanceWindow: z.string().regex(WEEKLY_WINDOW, 'must be "ddd:hh:mm-ddd:hh:mm" (UTC)'),
    /** Days between rotations of the AUTH token (Secrets Manager schedule of the cache-rotation function). */
    authTokenRotationDays: z.number().int().min(1).max(365),
    /**
     * Minutes the old and the new AUTH token both work after a rotation, before the old one is dropped (SET).
     * Clients must re-read the secret within it: the service does every REDIS_SECRET_REFRESH_SECONDS (300 s).
     */
    authTokenGraceMinutes: z
      .number()
      .int()
      .min(
        AUTH_TOKEN_GRACE_MINUTES.min,
        `must be at least ${AUTH_TOKEN_GRACE_MINUTES.min} minutes: three of the service's 5-minute secret re-reads`,
      )
      .max(
        AUTH_TOKEN_GRACE_MINUTES.max,
        `must be at most ${AUTH_TOKEN_GRACE_MINUTES.max} (a day); the old token should not outlive that`,
      ),
  })
  .strict();

export const snapshotsSchema = z
  .object({
    /**
     * EventBridge schedule for the cross-region snapshot: rate(...) or a cron(...) that runs every
     * day at fixed times; its interval sets the RPO alarm, so it must be one that can be stated.
     */
    schedule: z.string().refine((v) => scheduleIntervalSeconds(v) !== undefined, {
      message:
        'must be rate(N minutes|hours|days) (singular for 1: rate(1 day)) or a cron(...) that runs every day at fixed times, such as cron(0 */6 * * ? *): the RPO alarm needs its interval',
    }),
    /** Days our snapshot copies are kept in each region (distinct from backupRetentionDays). */
    retentionDays: z.number().int().min(1, 'must be at least 1 day'),
    /** The newest N of our snapshots are never pruned. */
    keepNewest: z.number().int().min(1, 'must keep at least 1 snapshot'),
    /** Hours past the schedule interval before the newest DR copy counts as stale. */
    freshnessMarginHours: z.number().int().min(1).max(72),
  })
  .strict();

export const serviceSchema = z
  .object({
    /**
     * Seconds /readyz tolerates an unreachable database before failing; must outlast an
     * in-region Aurora failover (usually < 30 s) so that never triggers a regional failover.
     */
    readinessGraceSeconds: z.number().int().min(0).max(300),
    /** TCP port the service listens on behind the ALB. */
    port: z.number().int().min(1024).max(65535),
  })
  .strict();

export const monitoringSchema = z
  .object({
    /** E-mail addresses subscribed to each region's alarm topic. */
    alarmEmails: z.array(z.email()),
    /** HTTPS endpoints subscribed to each region's alarm topic. */
    alarmHttpsEndpoints: z.array(z.url({ protocol: /^https$/ })),
    /** ARC zonal autoshift on the load balancer. */
    zonalAutoshift: z.boolean(),
  })
  .strict();

/** AWS managed rule groups (vendor AWS) a web ACL may use. */
export const WAF_MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAnonymousIpList',
  'AWSManagedRulesSQLiRuleSet',
] as const;

export const wafSchema = z
  .object({
    /** A regional WAFv2 web ACL on each ALB (managed rule groups, per-IP rate limit, logging). */
    enabled: z.boolean(),
    /** `block`, or `count` to see what the rules would block before enforcing them (first deploy). */
    mode: z.enum(['block', 'count']),
    /** AWS managed rule groups, in evaluation order. */
    managedRuleGroups: z
      .array(z.enum(WAF_MANAGED_RULE_GROUPS))
      .min(1, 'needs at least one managed rule group (or set waf.enabled to false)'),
    /** Requests per client IP per 5 minutes before the IP is blocked. */
    rateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000),
    /** Blocked requests per 5 minutes that raise the alarm. */
    blockedRequestsAlarmThreshold: z.number().int().min(1),
  })
  .strict();

/** An IAM role ARN, e.g. arn:aws:iam::123456789012:role/oncall. */
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * The optional ARC Region switch plan (see lib/constructs/region-switch-plan.ts). Off by default: the failover
 * runbook Lambda in each region is the zero-cost default; a plan costs a monthly fee per plan (README).
 */
export const regionSwitchPlanSchema = z
  .object({
    /** Deploy the plan (a stack of its own in the DR region, after both regional stacks). */
    enabled: z.boolean(),
    /** A manual approval step before each activation: a human decides to promote. */
    approvalRequired: z.boolean(),
    /**
     * Role whose principals may approve (e.g. the on-call's SSO role). Omitted: the plan stack makes a role that
     * principals of the account may assume, allowed only to approve steps of this plan.
     */
    approverRoleArn: z
      .string()
      .regex(IAM_ROLE_ARN, 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/oncall')
      .optional(),
    /** Minutes the approval step waits for a decision before the execution fails. */
    approvalTimeoutMinutes: z
      .number()
      .int()
      .min(1, 'must be 1-1440 minutes')
      .max(1440, 'must be 1-1440 minutes'),
    /**
     * Start the DR activation automatically when the DR region's outside-in probe of the primary alarms. Approval
     * still gates it when approvalRequired is true.
     */
    triggerOnAlarm: z.boolean(),
    /** Minimum minutes between two automatic executions. */
    triggerMinDelayMinutes: z.number().int().min(1).max(10080),
    /** The plan's recovery time objective; Region switch reports each execution against it. */
    recoveryTimeObjectiveMinutes: z
      .number()
      .int()
      .min(1, 'must be 1-10080 minutes')
      .max(10080, 'must be 1-10080 minutes'),
  })
  .strict();

export const failoverSchema = z
  .object({
    regionSwitchPlan: regionSwitchPlanSchema,
  })
  .strict();

export const appConfigSchema = z
  .object({
    /** Short lower-case name; prefixes stack names and global identifiers. */
    appName: z.string().regex(APP_NAME, 'must be 3-24 characters: lower-case letters, digits, hyphens'),
    primary: regionSchema,
    dr: regionSchema,
    /**
     * Region whose Aurora cluster is the Global Database writer right now. Switch it after a
     * planned switchover or unplanned failover so the templates match reality.
     */
    writerRegion: REGION_FIELD,
    dns: dnsSchema,
    fleet: fleetSchema,
    database: databaseSchema,
    cache: cacheSchema,
    snapshots: snapshotsSchema,
    service: serviceSchema,
    monitoring: monitoringSchema,
    waf: wafSchema,
    /** DR strategy (profile): warm-standby, pilot-light or minimal; see profiles.ts. */
    drStrategy: drStrategySchema,
    /** What DR keeps at rest when less than the primary's shape (pilot light). */
    drCapacity: drCapacitySchema,
    /** Usage assumptions of the cost model in `npm run report`. */
    cost: costAssumptionsSchema,
    /** How a regional failover is orchestrated beyond the runbook Lambda (optional ARC Region switch plan). */
    failover: failoverSchema,
  })
  .strict();

export type AppConfig = z.infer<typeof appConfigSchema>;
export type RegionConfig = z.infer<typeof regionSchema>;
export type DnsConfig = z.infer<typeof dnsSchema>;
export type FleetConfig = z.infer<typeof fleetSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type CacheConfig = z.infer<typeof cacheSchema>;
export type SnapshotsConfig = z.infer<typeof snapshotsSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
export type WafConfig = z.infer<typeof wafSchema>;
export type RegionSwitchPlanConfig = z.infer<typeof regionSwitchPlanSchema>;

/** Deep partial used for overrides from files and context. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
