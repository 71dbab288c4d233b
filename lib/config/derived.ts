import { scheduleIntervalSeconds } from './schedule';
import type { AppConfig, RegionConfig, SnapshotsConfig } from './schema';

/** A regional stack's role: the primary owns global resources; the secondary is the DR region. */
export type RegionRole = 'primary' | 'secondary';

/** Everything a regional stack needs to know about its place in the pair. */
export interface RegionContext {
  readonly role: RegionRole;
  readonly region: RegionConfig;
  /** The other region of the pair. */
  readonly peer: RegionConfig;
  /** True when this region's Aurora cluster is the Global Database writer (config `writerRegion`). */
  readonly isWriter: boolean;
}

export function regionContext(config: AppConfig, role: RegionRole): RegionContext {
  const region = role === 'primary' ? config.primary : config.dr;
  const peer = role === 'primary' ? config.dr : config.primary;
  return { role, region, peer, isWriter: config.writerRegion === region.region };
}

/** Global cluster identifier: fixed from config so the DR stack needs no cross-region reference. */
export function globalClusterIdentifier(config: AppConfig): string {
  return config.database.globalClusterIdentifier ?? `${config.appName}-global`;
}

/** Regional cluster identifier, deterministic so runbooks and snapshot ids can name it. */
export function clusterIdentifier(config: AppConfig, region: string): string {
  return `${config.appName}-${region}`;
}

/** Alias of the per-region KMS key that snapshot copies land under (fixed: no cross-region reference). */
export function snapshotKeyAlias(config: AppConfig): string {
  return `alias/${config.appName}/snapshot-copies`;
}

/**
 * Regions the primary replicates its database secrets to: the DR region. Each has a keys stack
 * ({@link keysStackName}) whose secrets key ({@link secretsKeyAlias}) encrypts the replicas there,
 * deployed before the primary.
 */
export function secretReplicaRegions(config: AppConfig): string[] {
  return [config.dr.region];
}

/**
 * Alias of the customer-managed key of the Secrets Manager secrets in a replica region, made by
 * that region's keys stack. Fixed, because the primary's replica entries name it (as an alias ARN
 * in the replica region) before any stack of that region but the keys stack exists.
 */
export function secretsKeyAlias(config: AppConfig): string {
  return `alias/${config.appName}/secrets`;
}

/** Name of the keys stack of a replica region, e.g. ha-ref-keys-us-west-2. */
export function keysStackName(config: AppConfig, region: string): string {
  return `${config.appName}-keys-${region}`;
}

/** Regional DNS name of a region's ALB, e.g. us-east-1.app.example.com. */
export function regionalRecordName(config: AppConfig, region: string): string {
  return `${region}.${config.dns.recordName}`;
}

/** Stack name for a role (also used by the runbook CLI to find outputs); region-switch exists only with the plan enabled. */
export function stackName(
  config: AppConfig,
  role: RegionRole | 'global-monitoring' | 'region-switch' | 'deploy-role',
): string {
  return `${config.appName}-${role}`;
}

/**
 * Seconds between the cross-region snapshots of a validated config (validation refuses a
 * snapshots.schedule whose interval `scheduleIntervalSeconds` cannot state).
 */
export function snapshotIntervalSeconds(snapshots: Pick<SnapshotsConfig, 'schedule'>): number {
  const seconds = scheduleIntervalSeconds(snapshots.schedule);
  if (seconds === undefined) {
    throw new Error(
      `snapshots.schedule = "${snapshots.schedule}" has no interval; validateConfig refuses such a schedule`,
    );
  }
  return seconds;
}

/** Prefix of SSM parameters that tell instances their endpoints, e.g. /ha-ref/runtime/. */
export function runtimeParameterPrefix(config: AppConfig): string {
  return `/${config.appName}/runtime`;
}

/**
 * The ALB target health check's timeout for an interval (both seconds): at most 5 s, and always under the
 * interval, as the target group requires (4 s at the default 5 s). The drill's HAProxy scales the same rule down.
 */
export function albHealthCheckTimeoutSeconds(intervalSeconds: number): number {
  return Math.min(5, intervalSeconds - 1);
}

/** Name of the ARC Region switch plan (at most 32 characters: appName has at most 24). */
export function regionSwitchPlanName(config: AppConfig): string {
  return `${config.appName}-switch`;
}
