import type { AppConfig, RegionConfig } from './schema';

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

/** Regional DNS name of a region's ALB, e.g. us-east-1.app.example.com. */
export function regionalRecordName(config: AppConfig, region: string): string {
  return `${region}.${config.dns.recordName}`;
}

/** Stack name for a role (also used by the runbook CLI to find outputs). */
export function stackName(config: AppConfig, role: RegionRole | 'global-monitoring' | 'deploy-role'): string {
  return `${config.appName}-${role}`;
}

/** Seconds between scheduled snapshots, from a rate(...) expression; cron is treated as daily. */
export function scheduleIntervalSeconds(schedule: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (!m) return 24 * 3600;
  const unit = m[2].startsWith('minute') ? 60 : m[2].startsWith('hour') ? 3600 : 86400;
  return Number(m[1]) * unit;
}

/** Prefix of SSM parameters that tell instances their endpoints, e.g. /ha-ref/runtime/. */
export function runtimeParameterPrefix(config: AppConfig): string {
  return `/${config.appName}/runtime`;
}
