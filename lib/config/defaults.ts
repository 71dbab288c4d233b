import { DEFAULT_COST_ASSUMPTIONS } from './profiles';
import type { AppConfig } from './schema';

/** Placeholder account: synth needs a concrete account to be offline-safe; deploys must replace it. */
export const PLACEHOLDER_ACCOUNT = '111111111111';

/** Placeholder hosted zone: synth imports the zone by id; a deploy needs a public zone the account owns. */
export const PLACEHOLDER_HOSTED_ZONE_ID = 'Z0000000000PLACEHOLDER';

/**
 * The shipped default: synthesizes with no AWS account, credentials or network.
 * AZs are explicit and the hosted zone is a placeholder imported by id.
 */
export const DEFAULT_CONFIG: AppConfig = {
  appName: 'ha-ref',
  primary: {
    account: PLACEHOLDER_ACCOUNT,
    region: 'us-east-1',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  },
  dr: {
    account: PLACEHOLDER_ACCOUNT,
    region: 'us-west-2',
    availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
  },
  writerRegion: 'us-east-1',
  dns: {
    zoneName: 'example.com',
    hostedZoneId: PLACEHOLDER_HOSTED_ZONE_ID,
    recordName: 'app.example.com',
    healthCheck: {
      requestIntervalSeconds: 10,
      failureThreshold: 2,
      checkerRegions: ['us-east-1', 'us-west-2', 'eu-west-1'],
      measureLatency: false,
    },
  },
  fleet: {
    instanceTypes: ['m7g.large', 'm7gd.large'],
    minPerAz: 2,
    maxPerAz: 4,
    targetRequestsPerInstance: 1000,
    healthCheckGraceSeconds: 120,
    // The ALB's shortest interval: a target that stops answering (a hung process) is out after two
    // missed checks, ~10-14 s, instead of ~25 s at 10 s.
    healthCheckIntervalSeconds: 5,
    deregistrationDelaySeconds: 30,
    loadBalancingAlgorithm: 'weighted_random',
    rootVolumeGiB: 20,
    impairedZoneHealthCheck: 'IgnoreUnhealthy',
    sizeForAzLoss: false,
  },
  database: {
    engineVersion: '16.6',
    instanceClass: 'r6g.large',
    readers: 2,
    drInstances: 2,
    backupRetentionDays: 14,
    databaseName: 'app',
    masterUsername: 'appadmin',
    rotationDays: 30,
    proxy: true,
  },
  cache: {
    engine: 'valkey',
    engineVersion: '8.0',
    nodeType: 'cache.r7g.large',
    shards: 3,
    replicasPerShard: 1,
    snapshotRetentionDays: 3,
    snapshotWindow: '03:00-04:00',
    maintenanceWindow: 'sun:05:00-sun:06:00',
    authTokenRotationDays: 30,
    authTokenGraceMinutes: 60,
  },
  snapshots: {
    schedule: 'rate(1 day)',
    retentionDays: 14,
    keepNewest: 3,
    freshnessMarginHours: 6,
  },
  service: {
    readinessGraceSeconds: 30,
    port: 8080,
  },
  monitoring: {
    alarmEmails: [],
    alarmHttpsEndpoints: [],
    zonalAutoshift: true,
  },
  waf: {
    enabled: true,
    mode: 'block',
    managedRuleGroups: [
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
    ],
    rateLimitPer5Minutes: 2000,
    blockedRequestsAlarmThreshold: 500,
  },
  drStrategy: 'warm-standby',
  drCapacity: {},
  cost: DEFAULT_COST_ASSUMPTIONS,
  failover: {
    regionSwitchPlan: {
      enabled: false,
      approvalRequired: true,
      approvalTimeoutMinutes: 60,
      triggerOnAlarm: false,
      triggerMinDelayMinutes: 60,
      recoveryTimeObjectiveMinutes: 30,
    },
  },
};
